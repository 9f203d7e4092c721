//! The worker build's bindings in Node (feature `edge`): the shared cases plus
//! signing through the JS API, with SIGNING.md's vectors.
#![cfg(all(target_arch = "wasm32", feature = "edge"))]

#[path = "wasm_common/mod.rs"]
mod common;

use common::{code_of, obj, prop, text};
use qrcheckout::js::worker::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn low_level_signers_match_signing_md() {
    let p = obj(
        r#"{"appkey":"ak_5cbadd67774f8","product_id":1024,"product_num":2,"pay_type":"alipay","out_order_id":"SO20190420001","custom":"uid=42;mail=a@b.cn"}"#,
    );
    assert_eq!(
        sign_gatepay_io(p, "sk_test_secret").unwrap(),
        "dc240342fcdbd58156ae183b71b13388"
    );
    let n = obj(
        r#"{"appkey":"ak_5cbadd67774f8","order_id":"88231","out_order_id":"SO20190420001","price":"3.00","realprice":"2.98","type":"alipay","paytime":"1555750300","extend":"uid=42;mail=a@b.cn"}"#,
    );
    assert_eq!(
        sign_gatepay_io(n, "sk_test_secret").unwrap(),
        "185f7af090743c196db60f8d102c90c2"
    );
    assert_eq!(
        sign_gatepay(JsValue::from_str("1700073707111"), "456", "{the_answer: 42}", "123").unwrap(),
        "1b03f547af065490c6e106bd93afc861329c52b596512d49489ca0c4ea57adee2991a576e402422a6bb092b83acf0a5618f5b0a7d4c639ae7779fbb3a1b16346"
    );
    assert_eq!(
        sign_gatepay(JsValue::from(1_700_073_707_111.0), "456", "", "123").unwrap(),
        "9840f2b48d9f34f5beff5f05ba4ac2d4869206cb7677298718906964a52b8fa419e09894c0e304f3a2280c7182769940dd39a681077edbed95b44f926b175013"
    );
    let y = obj(
        r#"{"amount":2990,"app_id":"app_9ba59abbe56e057f20f","client_ip":"203.0.113.7","description":"会员月卡","notify_url":"https://shop.example/notify/yimafu","openid":"oZwt6wvYaXMHC1mBJ0Ek0y1uU","out_trade_no":"WX-JSAPI-0001","pay_type":22,"split":0,"attach":""}"#,
    );
    assert_eq!(
        sign_yimafu(y, "0123456789abcdef0123456789abcdef").unwrap(),
        "39D41AA77160C2A9D87C15DB9BDBB3D2"
    );
    assert_eq!(
        code_of(sign_yimafu(obj("{}"), "").unwrap_err()),
        "missing_secret"
    );
    assert_eq!(
        code_of(sign_gatepay(JsValue::from(-1.5), "n", "", "k").unwrap_err()),
        "invalid_field"
    );
}

#[wasm_bindgen_test]
fn sign_request_then_verify_a_notification() {
    let unsigned = qrcheckout::js::browser::build_order(
        "gatepay",
        obj(r#"{"merchantTradeNo":"22212345678555","env":{"terminalType":"APP"},"currency":"GT","orderAmount":"1.21","goods":{"goodsName":"NF2T","goodsDetail":"123444"}}"#),
        obj(r#"{"baseUrl":"https://openplatform.gateapi.io","clientId":"cid"}"#),
    )
    .unwrap();
    let signed = sign_request(
        "gatepay",
        unsigned,
        obj(r#"{"secretKey":"test_secret_key_0123456789"}"#),
        obj(r#"{"timestamp":1672905655498,"nonce":"9578"}"#),
    )
    .unwrap();
    assert_eq!(
        text(&prop(&signed, "headers"), "X-GatePay-Signature"),
        "7f7cb77c7c2bbb52fe96852560a0aa61e41dc71bd4c2f976450ef0ab435103710cec203325a5b629a5674e60281d60377d3c07aa5d25b6a2dc7b294837499196"
    );
    let e = sign_request(
        "gatepay",
        obj("{}"),
        JsValue::from_str("k"),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert_eq!(code_of(e), "invalid_field");

    let body = "amount=100&app_id=app_9ba59abbe56e057f20f&attach=%7B%22userId%22%3A888%2C%22level%22%3A3%7D&channel=alipay_qr&description=%E8%8B%B9%E6%9E%9C13Pro&out_trade_no=1217752501201407&pay_time=2023-07-19+10%3A12%3A13&trade_no=YMF2307190011178361713&trade_state=success&true_amount=100&sign=95F0A0AB2B622D3873A1B5B3B69642A6";
    let incoming = js_sys::Object::new();
    js_sys::Reflect::set(&incoming, &"body".into(), &body.into()).unwrap();
    let n = verify_notify(
        "yimafu",
        incoming.clone().into(),
        obj(r#"{"key":"0123456789abcdef0123456789abcdef"}"#),
        obj(r#"{"now":0}"#),
    )
    .unwrap();
    assert_eq!(prop(&n, "paid"), JsValue::TRUE);
    assert_eq!(text(&n, "amount"), "1.00");
    let e = verify_notify(
        "yimafu",
        incoming.into(),
        JsValue::from_str("wrong-key"),
        obj(r#"{"now":0}"#),
    )
    .unwrap_err();
    assert_eq!(code_of(e), "bad_signature");
    assert_eq!(
        text(&notify_reply("gatepay", None).unwrap(), "body"),
        r#"{"returnCode":"SUCCESS","returnMessage":""}"#
    );
}
