//! Any JSON object as an order for any gateway: validated or refused, and a
//! valid order always builds; any JSON as a buyer's choice against a small
//! catalog: refused with a typed error or quoted, never a panic. The bytes are read
//! by the crate's own JSON reader, which is fuzzed with them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::catalog::{preview, read_products, Choice};
use qrcheckout::json;
use qrcheckout::gateway::module;
use qrcheckout::Gateway;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let Ok(value) = json::parse(text) else { return };
    let gateway = module(Gateway::ALL[usize::from(selector) % Gateway::ALL.len()]);
    let now = 1_700_000_000_000;
    if gateway.validate_value(&value, now).is_ok() {
        let config = json::parse(r#"{"baseUrl": "https://gw.example", "appkey": "k", "clientId": "c", "appId": "a"}"#).expect("JSON");
        gateway.build_value(&value, &config, now).expect("a validated order builds");
    }
    let catalog = read_products(&json::parse(r#"[{"sku":"tea","name":"龙井","price":"29.90","currency":"CNY","offers":[
        {"gateway":"gatepay-io","payTypes":["wechat","alipay"],"productId":1024},{"gateway":"yimafu","payTypes":["20","22","30"]},
        {"gateway":"gatepay","payTypes":["WEB"]}]}]"#).expect("JSON")).expect("the fixed catalog reads");
    if let Ok(choice) = Choice::read(&value) {
        if let Ok(q) = preview(&catalog, &choice, now) {
            assert_eq!(q.amount.fen(), 2990 * choice.quantity, "priced from the catalog only");
        }
    }
});
