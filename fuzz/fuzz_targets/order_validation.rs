//! Any JSON object as an order for any gateway: validated or refused, and a
//! valid order always builds; any JSON as a buyer's choice against a small
//! catalog: refused with a typed error or quoted, never a panic — and the same
//! JSON as a checkout sent to the worker's shop (priced, built, signed): never a
//! panic, and a choice the page's preview quotes is one the worker signs. The
//! bytes are read by the crate's own JSON reader, which is fuzzed with them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::catalog::{preview, read_products, Choice};
use qrcheckout::checkout::Shop;
use qrcheckout::json;
use qrcheckout::gateway::module;
use qrcheckout::Gateway;

const CATALOG: &str = r#"[{"sku":"tea","name":"龙井","price":"29.90","currency":"CNY","offers":[
    {"gateway":"gatepay-io","payTypes":["wechat","alipay"],"productId":1024},{"gateway":"yimafu","payTypes":["20","22","30"]},
    {"gateway":"gatepay","payTypes":["WEB"]}]}]"#;

/// A shop with every gateway on, as a worker's env would give it (one per thread: it keeps keyed
/// hash state in cells).
fn new_shop() -> Shop {
    let env = [
        ("PUBLIC_BASE_URL", "https://shop.example"),
        ("CLIENT_IP_FALLBACK", "203.0.113.9"),
        ("GATEPAY_IO_BASE_URL", "https://gatepay.io"),
        ("GATEPAY_IO_APPKEY", "ak"),
        ("GATEPAY_IO_APPSECRET", "s1"),
        ("GATEPAY_BASE_URL", "https://openplatform.gateapi.io"),
        ("GATEPAY_CLIENT_ID", "cid"),
        ("GATEPAY_SECRET_KEY", "s2"),
        ("YIMAFU_BASE_URL", "https://ymf.example"),
        ("YIMAFU_APP_ID", "app"),
        ("YIMAFU_KEY", "s3"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Shop::new(read_products(&json::parse(CATALOG).expect("JSON")).expect("the fixed catalog reads"), &env)
}

thread_local! {
    static SHOP: Shop = new_shop();
}

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
    SHOP.with(|shop| checkout_agrees(shop, &value, now));
});

fn checkout_agrees(shop: &Shop, value: &json::Value, now: u64) {
    let signed = shop.checkout(value, now, "QC0000000000FUZZ0001", "nonce1");
    if let Ok(choice) = Choice::read(value) {
        if let Ok(q) = preview(shop.products(), &choice, now) {
            assert_eq!(q.amount.fen(), 2990 * choice.quantity, "priced from the catalog only");
            // What the preview cannot know: the shop's return-URL allowlist, the payer's real IP.
            let page_blind = ["returnUrl", "cancelUrl", "clientIp"].iter().any(|k| value.get(k).is_some());
            if !page_blind {
                let c = signed.unwrap_or_else(|e| panic!("quoted by the preview, refused by the worker: {e:?}"));
                assert_eq!(c.order.amount, q.amount);
            }
        }
    }
}
