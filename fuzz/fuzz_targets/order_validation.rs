//! Any JSON object as an order for any gateway: validated or refused, and a
//! valid order always builds; any JSON as a buyer's choice against a small
//! catalog: refused with a typed error or quoted, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::catalog::{preview, Choice, Product};
use qrcheckout::gateway::module;
use qrcheckout::Gateway;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(rest) else { return };
    let gateway = module(Gateway::ALL[usize::from(selector) % Gateway::ALL.len()]);
    let now = 1_700_000_000_000;
    if gateway.validate_value(&value, now).is_ok() {
        let config = serde_json::json!({"baseUrl": "https://gw.example", "appkey": "k", "clientId": "c", "appId": "a"});
        gateway.build_value(&value, &config, now).expect("a validated order builds");
    }
    let catalog: Vec<Product> = serde_json::from_str(r#"[{"sku":"tea","name":"龙井","price":"29.90","currency":"CNY","offers":[
        {"gateway":"gatepay-io","payTypes":["wechat","alipay"],"productId":1024},{"gateway":"yimafu","payTypes":["20","22","30"]},
        {"gateway":"gatepay","payTypes":["WEB"]}]}]"#).expect("the fixed catalog parses");
    if let Ok(choice) = Choice::read(&value) {
        if let Ok(q) = preview(&catalog, &choice, now) {
            assert_eq!(q.amount.fen(), 2990 * choice.quantity, "priced from the catalog only");
        }
    }
});
