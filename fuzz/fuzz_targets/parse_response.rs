//! Any status and body, for every gateway: a Payment or a typed error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::{gateway::parse_response, Gateway};

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let gateway = Gateway::ALL[usize::from(data[0]) % Gateway::ALL.len()];
    let status = 100 + u16::from_le_bytes([data[1], data[2]]) % 500;
    let body = String::from_utf8_lossy(&data[3..]);
    if let Ok(p) = parse_response(gateway, status, &body) {
        // Whatever was accepted can be shown: a QR source or an app credential.
        let _ = p.qr_source();
        assert_eq!(p.gateway, gateway);
    }
});
