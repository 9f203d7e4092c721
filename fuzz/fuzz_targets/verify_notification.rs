//! Arbitrary callbacks: verification fails cleanly unless the signature is right.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::signing::{verify_notification, IncomingNotification, Secret, VerifyOptions};
use qrcheckout::Gateway;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(4, '\u{1}');
    let body = parts.next().unwrap_or_default().to_owned();
    let headers = BTreeMap::from([
        ("X-GatePay-Timestamp".to_owned(), parts.next().unwrap_or_default().to_owned()),
        ("X-GatePay-Nonce".to_owned(), parts.next().unwrap_or_default().to_owned()),
        ("X-GatePay-Signature".to_owned(), parts.next().unwrap_or_default().to_owned()),
    ]);
    let n = IncomingNotification { headers, query: body.clone(), body };
    let Ok(secret) = Secret::new("fuzz-secret", "fuzz") else { return };
    let opts = VerifyOptions { now: 1_700_000_000_000, window_ms: 300_000 };
    let _ = verify_notification(Gateway::ALL[usize::from(selector) % 3], &n, &secret, &opts);
});
