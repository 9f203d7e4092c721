//! Garbage in, typed error out: each gateway parser against bodies that real
//! gateways, proxies and broken networks produce. None may panic or succeed.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use qrcheckout::gateway::parse_response;
use qrcheckout::{Code, Gateway};

/// Bodies that are wrong for every gateway.
const COMMON: &[(u16, &str)] = &[
    (200, ""),
    (200, "   "),
    (200, "null"),
    (200, "[]"),
    (200, "42"),
    (200, "\"SUCCESS\""),
    (200, "{"),
    (200, "{\"code\":"),
    (200, "<html><body>502 Bad Gateway</body></html>"),
    (200, "<!DOCTYPE html><title>Just a moment...</title>"),
    (200, "success"),
    (200, "\u{feff}"),
    (200, "{}"),
    (200, "{\"data\":{}}"),
    (200, "{'code': 100}"),
    (404, "Not Found"),
    (502, "<html>Bad Gateway</html>"),
    (503, ""),
    (200, "{\"code\":100,\"data\":{\"order_url\":1}} trailing"),
];

/// Gateway-specific shapes that look right but are not.
fn specific(g: Gateway) -> Vec<(u16, &'static str)> {
    match g {
        Gateway::GatepayIo => vec![
            (200, r#"{"code":"abc","msg":"x"}"#),
            (200, r#"{"code":null}"#),
            (200, r#"{"code":100}"#),
            (200, r#"{"code":100,"data":null}"#),
            (200, r#"{"code":100,"data":"not json"}"#),
            (200, r#"{"code":100,"data":{}}"#),
            (
                200,
                r#"{"code":100,"data":{"order_url":"javascript:alert(1)"}}"#,
            ),
            (
                200,
                r#"{"code":100,"data":{"order_qrcode":"data:image/svg+xml;base64,PHN2Zz4="}}"#,
            ),
            (
                200,
                r#"{"code":100,"data":{"order_url":"https://gatepay.io/p","order_price":1.234}}"#,
            ),
            (
                200,
                r#"{"code":100,"data":{"order_url":"https://gatepay.io/p","order_price":-1}}"#,
            ),
            (
                200,
                r#"{"code":100,"data":{"order_url":"https://gatepay.io/p","order_price":1e3}}"#,
            ),
            (
                200,
                r#"{"code":100,"data":{"order_url":"https://gatepay.io/p","order_price":true}}"#,
            ),
            (
                200,
                r#"{"code":100,"data":{"order_url":"https://gatepay.io/p","order_price":"1,5"}}"#,
            ),
            (200, r#"{"code":109,"msg":"签名失败"}"#),
            (500, r#"{"code":107,"msg":"商铺信息不存在"}"#),
            (200, r#"{"code":100,"data":[1,2]}"#),
        ],
        Gateway::Gatepay => vec![
            (200, r#"{"status":"SUCCESS"}"#),
            (200, r#"{"status":"SUCCESS","data":null}"#),
            (200, r#"{"status":"SUCCESS","data":"{\"prepayId\":"}"#),
            (200, r#"{"status":"SUCCESS","data":{}}"#),
            (200, r#"{"status":"SUCCESS","data":{"prepayId":""}}"#),
            (200, r#"{"status":"SUCCESS","data":{"prepayId":["x"]}}"#),
            (
                200,
                r#"{"status":"SUCCESS","data":{"prepayId":"P","expireTime":"soon"}}"#,
            ),
            (
                200,
                r#"{"status":"SUCCESS","data":{"prepayId":"P","expireTime":-5}}"#,
            ),
            (
                200,
                r#"{"status":"SUCCESS","data":{"prepayId":"P","expireTime":1.5}}"#,
            ),
            (
                200,
                r#"{"status":"SUCCESS","data":{"prepayId":"P","orderAmount":"1.999"}}"#,
            ),
            (200, r#"{"status":true,"data":{"prepayId":"P"}}"#),
            (200, r#"{"code":"SUCCESS","data":42}"#),
            (200, r#"{"message":"ok"}"#),
            (
                400,
                r#"{"status":"FAIL","code":"400002","errorMessage":"Incorrect signature"}"#,
            ),
            (
                200,
                r#"{"status":"FAIL","code":"300000","errorMessage":"system error"}"#,
            ),
            (200, r#"{"code":"ERROR","message":"no merchant"}"#),
        ],
        Gateway::Yimafu => vec![
            (200, r#"{"resultCode":200}"#),
            (200, r#"{"resultCode":200,"Data":null}"#),
            (200, r#"{"resultCode":200,"Data":{}}"#),
            (200, r#"{"resultCode":200,"Data":{"channel":"wx_qr"}}"#),
            (
                200,
                r#"{"resultCode":200,"Data":{"channel":"wx_qr","body":""}}"#,
            ),
            (
                200,
                r#"{"resultCode":200,"Data":{"channel":"wx_app","body":"not json"}}"#,
            ),
            (
                200,
                r#"{"resultCode":200,"Data":{"channel":"wx_jsapi","body":"[1,2]"}}"#,
            ),
            (
                200,
                r#"{"resultCode":200,"Data":{"channel":"mystery","body":"plain words"}}"#,
            ),
            (200, r#"{"resultCode":200,"Data":"{\"channel\":"}"#),
            (200, r#"{"resultCode":[200],"Data":{}}"#),
            (200, r#"{"resultCode":201,"message":"app_id错误或不存在"}"#),
            (200, r#"{"resultCode":"500","message":"系统错误"}"#),
            (200, r#"{"message":"成功"}"#),
            (200, "resultCode=200&Data=%7B"),
            (200, "resultCode=200&channel=wx_qr"),
            (200, "a=%zz"),
        ],
    }
}

#[test]
fn every_malformed_reply_is_a_typed_error() {
    let mut cases = 0;
    for g in Gateway::ALL {
        for (status, body) in COMMON.iter().copied().chain(specific(g)) {
            let err = match parse_response(g, status, body) {
                Ok(p) => panic!("{g} accepted {status} {body:?} as {p:?}"),
                Err(e) => e,
            };
            assert!(
                matches!(
                    err.code,
                    Code::MalformedResponse | Code::GatewayUnavailable | Code::GatewayRejected
                ),
                "{g} {status} {body:?}: {err:?}"
            );
            assert!(!err.message.is_empty() && !err.message_zh.is_empty());
            if status >= 500 {
                assert_ne!(
                    err.code,
                    Code::GatewayRejected,
                    "a 5xx is never the buyer's fault: {body}"
                );
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 105, "the README counts 105 malformed replies");
}

#[test]
fn html_and_truncation_are_named() {
    let e = parse_response(Gateway::Gatepay, 200, "<html>oops</html>").unwrap_err();
    assert!(e.message.contains("HTML"), "{}", e.message);
    let e = parse_response(Gateway::Yimafu, 200, r#"{"resultCode":200,"Da"#).unwrap_err();
    assert!(e.message.contains("truncated"), "{}", e.message);
    let e = parse_response(Gateway::GatepayIo, 502, "<html>Bad Gateway</html>").unwrap_err();
    assert_eq!(e.code, Code::GatewayUnavailable);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(status in 100u16..600, body in "\\PC{0,200}") {
        for g in Gateway::ALL {
            let _ = parse_response(g, status, &body);
        }
    }

    #[test]
    fn json_like_text_never_panics(body in r#"\{("(code|status|resultCode|data|Data|prepayId|body|channel|order_price)":("[a-z0-9_ ]{0,8}"|[0-9.e-]{1,6}|null|true|\{\}|\[\]),?){0,6}\}"#) {
        for g in Gateway::ALL {
            let _ = parse_response(g, 200, &body);
        }
    }
}
