//! Arbitrary callbacks: verification accepts a notification only when it carries
//! the correct signature. The top bit of the first byte plants one (computed by
//! our signer over exactly what is sent): then the only allowed refusals are
//! about content (stale, malformed), never the signature. Without it, any
//! acceptance is a forged notification getting through.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::gateway::{gatepay_io, yimafu};
use qrcheckout::request::{body_params, form_encode};
use qrcheckout::signing::{
    sign_gatepay, sign_gatepay_io, sign_yimafu, verify_notification, IncomingNotification, Secret,
    VerifyOptions,
};
use qrcheckout::{Code, Gateway};
use std::collections::BTreeMap;

const TS: &str = "X-GatePay-Timestamp";
const NONCE: &str = "X-GatePay-Nonce";
const SIG: &str = "X-GatePay-Signature";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let gateway = Gateway::ALL[usize::from(selector & 0x7f) % Gateway::ALL.len()];
    let plant = selector & 0x80 != 0;
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(4, '\u{1}');
    let mut body = parts.next().unwrap_or_default().to_owned();
    let mut headers = BTreeMap::from([
        (TS.to_owned(), parts.next().unwrap_or_default().to_owned()),
        (NONCE.to_owned(), parts.next().unwrap_or_default().to_owned()),
        (SIG.to_owned(), parts.next().unwrap_or_default().to_owned()),
    ]);
    let Ok(secret) = Secret::new("fuzz-secret", "fuzz") else { return };
    if plant {
        match gateway {
            Gateway::Gatepay => {
                let sig = sign_gatepay(&headers[TS], &headers[NONCE], &body, &secret);
                headers.insert(SIG.to_owned(), sig);
            }
            Gateway::GatepayIo | Gateway::Yimafu => {
                let Some(fields) = body_params(&body) else { return };
                let mut fields: Vec<(&str, String)> = fields
                    .iter()
                    .filter(|(k, _)| k != "sign")
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                let sign = if gateway == Gateway::Yimafu {
                    sign_yimafu(&yimafu::signing_input(&fields), &secret)
                } else {
                    sign_gatepay_io(&gatepay_io::notify_signing_input(&fields), &secret)
                };
                fields.push(("sign", sign));
                body = form_encode(&fields);
            }
        }
    }
    let n = IncomingNotification { headers, query: body.clone(), body };
    // Both readings: with the fields as received kept (the JS export) and without (the worker).
    let keep_raw = n.body.len() % 2 == 0;
    let opts = VerifyOptions { now: 1_700_000_000_000, window_ms: 300_000, keep_raw };
    match (plant, verify_notification(gateway, &n, &secret, &opts)) {
        (false, Ok(got)) => panic!("{gateway}: accepted without a correct signature: {got:?}"),
        (true, Err(e)) if e.code == Code::BadSignature => {
            panic!("{gateway}: refused a correctly signed notification: {e:?}")
        }
        _ => {}
    }
});
