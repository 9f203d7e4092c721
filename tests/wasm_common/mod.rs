//! Cases run through the JS bindings in every wasm runtime (Chromium and Node):
//! JS objects in, JS objects or `CheckoutError`s out, never a trap.

use js_sys::{Reflect, JSON};
use qrcheckout::js::browser::*;
use qrcheckout::js::qr::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

pub fn obj(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

pub fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

pub fn text(v: &JsValue, key: &str) -> String {
    prop(v, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

/// The thrown value is a real `Error` named CheckoutError carrying the code.
pub fn code_of(err: JsValue) -> String {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "a real Error is thrown"
    );
    assert_eq!(text(&err, "name"), "CheckoutError");
    assert!(!text(&err, "message").is_empty() && !text(&err, "messageZh").is_empty());
    text(&err, "code")
}

#[wasm_bindgen_test]
fn errors_carry_code_field_and_gateway_code() {
    let e = validate_order(
        "gatepay-io",
        obj(r#"{"productId":7,"productNum":2,"payType":"wechat","outOrderId":"SO1","custom":""}"#),
    )
    .unwrap_err();
    assert_eq!(text(&e, "gatewayCode"), "103");
    assert_eq!(text(&e, "field"), "productNum");
    assert_eq!(code_of(e), "wechat_single_item");
    let e = validate_order("paypal", obj("{}")).unwrap_err();
    assert_eq!(code_of(e), "unknown_gateway");
}

#[wasm_bindgen_test]
fn wrong_js_types_are_errors_not_traps() {
    for bad in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from(42),
        JsValue::from_str("order"),
        obj("[1,2]"),
        obj(r#"{"productId":{"x":1}}"#),
    ] {
        let e = validate_order("gatepay-io", bad).unwrap_err();
        assert!(!code_of(e).is_empty());
    }
    let e = build_order("yimafu", obj(r#"{"outTradeNo":"A1","payType":20,"description":"d","amount":1,"clientIp":"1.2.3.4","notifyUrl":"https://s.example/n"}"#), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(code_of(e), "invalid_field");
    for body in ["", "<html>", "{", "null", "\u{0}\u{ffff}"] {
        for g in ["gatepay-io", "gatepay", "yimafu"] {
            assert!(!code_of(parse_response(g, 200, body).unwrap_err()).is_empty());
        }
    }
}

#[wasm_bindgen_test]
fn builds_an_unsigned_request() {
    let req = build_order(
        "gatepay-io",
        obj(r#"{"productId":1024,"productNum":2,"payType":"alipay","outOrderId":"SO20190420001","custom":"uid=42;mail=a@b.cn"}"#),
        obj(r#"{"baseUrl":"https://gatepay.io","appkey":"ak_5cbadd67774f8"}"#),
    )
    .unwrap();
    assert_eq!(
        text(&req, "signingInput"),
        "ak_5cbadd67774f810242alipaySO20190420001uid=42;mail=a@b.cn"
    );
    assert_eq!(text(&req, "url"), "https://gatepay.io/api/pay/create");
    assert_eq!(
        text(&prop(&req, "headers"), "content-type"),
        "application/x-www-form-urlencoded; charset=UTF-8"
    );
    assert!(!text(&req, "body").contains("sign="), "unsigned");
}

#[wasm_bindgen_test]
fn parses_a_payment_and_picks_the_qr_source() {
    let p = parse_response("yimafu", 200, r#"{"resultCode":200,"message":"成功","Data":{"out_trade_no":"1217752501201407","trade_no":"YH1","channel":"alipay_qr","body":"https://qr.alipay.com/bax04775wixee8ieymjz00d8"}}"#).unwrap();
    assert_eq!(text(&prop(&p, "show"), "kind"), "qr");
    assert_eq!(text(&p, "merchantOrderId"), "1217752501201407");
    let src = payment_qr_source(p).unwrap();
    assert_eq!(
        (text(&src, "kind"), text(&src, "value")),
        (
            "text".into(),
            "https://qr.alipay.com/bax04775wixee8ieymjz00d8".into()
        )
    );
    let forged =
        obj(r#"{"show":{"kind":"qrImage","dataUrl":"data:text/html;base64,PHNjcmlwdD4="}}"#);
    assert_eq!(
        code_of(payment_qr_source(forged).unwrap_err()),
        "unsafe_image"
    );
    let p = parse_response("gatepay", 200, r#"{"code":"SUCCESS","data":{"prepayId":"P1","expireTime":1672909255498,"orderAmount":"1.21"}}"#).unwrap();
    assert_eq!(prop(&p, "expiresAt").as_f64(), Some(1_672_909_255_498.0));
    assert_eq!(
        text(&p, "amount"),
        "1.21",
        "money crosses to JS as exact text"
    );
}

#[wasm_bindgen_test]
fn qr_svg_matrix_png_and_bad_options() {
    let svg = render_qr_svg(
        "weixin://wxpay/bizpayurl?pr=abc123",
        obj(r#"{"width":256,"title":"扫码支付"}"#),
    )
    .unwrap();
    assert!(
        svg.starts_with("<svg")
            && svg.contains(r#"width="256""#)
            && svg.contains("<title>扫码支付</title>")
    );
    let m = qr_matrix("https://example.com/pay/1", JsValue::UNDEFINED).unwrap();
    let size = prop(&m, "size").as_f64().unwrap() as u32;
    let modules: js_sys::Uint8Array = prop(&m, "modules").dyn_into().unwrap();
    assert_eq!(modules.length(), size * size);
    assert_eq!(prop(&m, "quietZone").as_f64(), Some(4.0));
    assert!(render_qr_png("支付", JsValue::UNDEFINED)
        .unwrap()
        .starts_with("data:image/png;base64,iVBORw0KGgo"));
    for (opts, field) in [
        (r#"{"dark":"red"}"#, "dark"),
        (r#"{"ecLevel":"X"}"#, "ecLevel"),
        (r#"{"moduleSize":-1}"#, "moduleSize"),
        (r#"{"modulesize":4}"#, "modulesize"),
        (r#"{"width":1.5}"#, "width"),
    ] {
        let e = render_qr_svg("x", obj(opts)).unwrap_err();
        assert_eq!(text(&e, "field"), field);
        assert_eq!(code_of(e), "invalid_qr_option");
    }
    assert_eq!(
        code_of(render_qr_svg("", JsValue::UNDEFINED).unwrap_err()),
        "qr_empty"
    );
    assert_eq!(
        code_of(render_qr_svg(&"字".repeat(1200), JsValue::UNDEFINED).unwrap_err()),
        "qr_too_long"
    );
}
