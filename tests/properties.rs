//! Properties: 易码付's signing string ignores insertion order, and every reply
//! shape we parse gives back what was serialised into it.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use qrcheckout::gateway::{parse_response, yimafu};
use qrcheckout::{Amount, Gateway, Show};
use serde_json::json;

/// Names include `sign` and values include empty text and `&`/`=` on purpose:
/// those are the cases the rule is about.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![4 => "[a-z_]{1,12}", 1 => Just("sign".to_owned())];
    let value = prop_oneof![4 => "\\PC{0,20}", 1 => Just(String::new()), 2 => "[a-z0-9&=]{1,10}"];
    prop::collection::btree_map(name, value, 1..12).prop_map(|m| m.into_iter().collect())
}

/// The rule restated: non-empty values, `sign` left out, sorted by name, `k=v` joined by `&`.
fn yimafu_model(params: &[(String, String)]) -> String {
    let mut kept: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .collect();
    kept.sort();
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn yimafu_model_covers_the_edge_cases() {
    let p = |kv: &[(&str, &str)]| {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let tricky = p(&[("sign", "AB"), ("b", ""), ("c", "x&y=z"), ("a", "=")]);
    assert_eq!(yimafu::signing_input(&tricky), "a==&c=x&y=z");
    assert_eq!(yimafu_model(&tricky), "a==&c=x&y=z");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn yimafu_signing_string_is_canonical(ps in params().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))) {
        let (original, shuffled) = ps;
        prop_assert_eq!(yimafu::signing_input(&original), yimafu::signing_input(&shuffled));
        prop_assert_eq!(yimafu::signing_input(&shuffled), yimafu_model(&original));
    }

    #[test]
    fn yimafu_reply_round_trip(out in "[A-Za-z0-9_*-]{1,32}", trade in "[A-Z0-9]{5,30}", path in "[a-z0-9]{1,40}",
                               qr in any::<bool>(), as_string in any::<bool>(), code_as_text in any::<bool>(), note in "\\PC{0,30}") {
        let (channel, body) = if qr {
            ("alipay_qr".to_owned(), format!("https://qr.alipay.com/{path}"))
        } else {
            ("wx_app".to_owned(), json!({"appId": "wx1", "package": format!("prepay_id={path}"), "note": note}).to_string())
        };
        let data = json!({"out_trade_no": out, "trade_no": trade, "channel": channel, "body": body});
        let reply = json!({"resultCode": if code_as_text { json!("200") } else { json!(200) }, "message": "成功",
                           "Data": if as_string { json!(data.to_string()) } else { data }});
        let p = parse_response(Gateway::Yimafu, 200, &reply.to_string()).unwrap();
        prop_assert_eq!(p.merchant_order_id.as_deref(), Some(out.as_str()));
        prop_assert_eq!(p.gateway_order_id.as_deref(), Some(trade.as_str()));
        match p.show {
            Show::Qr { content } => prop_assert_eq!(content, body),
            Show::App { credential, .. } => prop_assert_eq!(serde_json::to_value(&credential).unwrap(), serde_json::from_str::<serde_json::Value>(&body).unwrap()),
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn gatepay_reply_round_trip(prepay in "[A-Z0-9]{3,32}", expire in 0u64..=4_102_444_800_000, fen in 1u64..10_000_000_000,
                                live in any::<bool>(), as_string in any::<bool>(), qr in any::<bool>()) {
        let amount = Amount::from_fen(fen).unwrap();
        let mut data = json!({"prepayId": prepay, "terminalType": "WEB", "expireTime": expire, "orderAmount": amount.to_string()});
        if qr { data["qrContent"] = json!(format!("https://pay.gate.io/qr/{prepay}")); }
        let data = if as_string { json!(data.to_string()) } else { data };
        let reply = if live { json!({"status": "SUCCESS", "code": "000000", "data": data}) } else { json!({"code": "SUCCESS", "message": "ok", "data": data}) };
        let p = parse_response(Gateway::Gatepay, 200, &reply.to_string()).unwrap();
        prop_assert_eq!(p.gateway_order_id.as_deref(), Some(prepay.as_str()));
        prop_assert_eq!(p.expires_at, Some(expire));
        prop_assert_eq!(p.amount, Some(amount));
        prop_assert_eq!(matches!(p.show, Show::Qr { .. }), qr);
    }

    #[test]
    fn gatepay_io_price_round_trip(fen in 1u64..10_000_000_000, as_number in any::<bool>(), short in any::<bool>()) {
        let amount = Amount::from_fen(fen).unwrap();
        // As the gateway may write it: 1.5, 1.50, "1.50", 3 …
        let full = amount.to_string();
        let text = if short { full.trim_end_matches('0').trim_end_matches('.').to_owned() } else { full };
        let price = if as_number { text.clone() } else { format!("\"{text}\"") };
        let body = format!(r#"{{"code":100,"msg":"ok","data":{{"order_type":"alipay","order_price":{price},"order_url":"https://gatepay.io/pay/index?id=1"}}}}"#);
        let p = parse_response(Gateway::GatepayIo, 200, &body).unwrap();
        prop_assert_eq!(p.amount, Some(amount));
    }
}
