//! Any JSON object as an order for any gateway: validated or refused, and a
//! valid order always builds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::gateway::Order;
use qrcheckout::Gateway;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(rest) else { return };
    let gateway = Gateway::ALL[usize::from(selector) % 3];
    let now = 1_700_000_000_000;
    if let Ok(order) = Order::from_input(gateway, &value, now) {
        let config = serde_json::json!({"baseUrl": "https://gw.example", "appkey": "k", "clientId": "c", "appId": "a"});
        order.build(&config, now).expect("a validated order builds");
    }
});
