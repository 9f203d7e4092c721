//! Amount parsing: never panics, and whatever parses prints back to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::Amount;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(a) = Amount::parse(text) {
        assert_eq!(Amount::parse(&a.to_string()), Ok(a));
        assert!(text.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    }
});
