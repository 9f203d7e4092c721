//! Signing and callback verification — the only module that sees a secret.
//! Compiled only with the `edge` feature, so the browser build cannot contain it.
//! The rules are exactly those of `SIGNING.md`; its vectors are the tests below.

use crate::error::{CheckoutError, Code, Result};
use crate::gateway::{gatepay, gatepay_io, module, yimafu};
use crate::payment::{Gateway, Notification};
use crate::request::{self, hex, UnsignedRequest};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use sha2::Sha512;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use subtle::ConstantTimeEq;

/// A merchant secret. Its `Debug` prints `***`, so it never lands in a log line.
/// A secret kept between requests (the worker's `Shop`) also keeps GatePay's keyed
/// HMAC state, so each signature hashes only the message, not the key again.
#[derive(Clone)]
pub struct Secret(String, std::cell::OnceCell<Hmac<Sha512>>);

impl Secret {
    /// `what` names the secret for the error when it is missing (`GATEPAY_SECRET_KEY`…).
    pub fn new(value: impl Into<String>, what: &str) -> Result<Secret> {
        let value = value.into();
        if value.is_empty() {
            return Err(CheckoutError::new(
                Code::MissingSecret,
                format!("{what} is not configured"),
                format!("未配置 {what}"),
            )
            .field(what));
        }
        Ok(Secret(value, std::cell::OnceCell::new()))
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

pub fn md5_hex(data: &[u8]) -> String {
    md5_hex_of(&[data])
}

/// The MD5 of the parts in a row, without joining them first.
fn md5_hex_of(parts: &[&[u8]]) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    hex(&h.finalize())
}

/// gatepay.io: `md5_hex(md5_hex(inner) + appsecret)`, lowercase.
pub fn sign_gatepay_io(inner: &str, appsecret: &Secret) -> String {
    md5_hex_of(&[
        md5_hex(inner.as_bytes()).as_bytes(),
        appsecret.expose().as_bytes(),
    ])
}

fn gatepay_mac(timestamp: &str, nonce: &str, body: &str, secret_key: &Secret) -> Hmac<Sha512> {
    let mut mac = secret_key
        .1
        .get_or_init(|| {
            // HMAC accepts keys of any length; the error arm cannot happen.
            match Hmac::<Sha512>::new_from_slice(secret_key.expose().as_bytes()) {
                Ok(m) => m,
                Err(_) => unreachable!("HMAC takes keys of any length"),
            }
        })
        .clone();
    for part in gatepay::signing_parts(timestamp, nonce, body) {
        mac.update(part.as_bytes());
    }
    mac
}

/// GatePay v1: `hex(HMAC-SHA512(secretKey, timestamp\nnonce\nbody\n))`, lowercase.
pub fn sign_gatepay(timestamp: &str, nonce: &str, body: &str, secret_key: &Secret) -> String {
    hex(&gatepay_mac(timestamp, nonce, body, secret_key)
        .finalize()
        .into_bytes())
}

/// 易码付: `UPPERCASE(md5_hex(signing_input + "&key=" + key))`.
pub fn sign_yimafu(signing_input: &str, key: &Secret) -> String {
    let mut sign = md5_hex_of(&[signing_input.as_bytes(), b"&key=", key.expose().as_bytes()]);
    sign.make_ascii_uppercase();
    sign
}

/// Constant-time comparison of hex digests, case-insensitive.
fn hex_matches(expected_lower: &str, given: &str) -> bool {
    let given = given.trim().to_ascii_lowercase();
    given.len() == expected_lower.len()
        && bool::from(given.as_bytes().ct_eq(expected_lower.as_bytes()))
}

fn bad_signature() -> CheckoutError {
    CheckoutError::new(
        Code::BadSignature,
        "the signature does not match",
        "签名校验失败",
    )
    .field("sign")
}

/// Per-request signing inputs for GatePay; the form gateways ignore them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignOptions {
    /// Unix milliseconds, as sent in `X-GatePay-Timestamp`.
    pub timestamp: Option<u64>,
    /// 1–32 letters and digits, fresh per request.
    pub nonce: Option<String>,
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedRequest {
    pub method: String,
    pub url: String,
    pub headers: crate::request::Headers,
    pub body: String,
    pub signature: String,
}

/// Each gateway's signing rule, implemented below for its module: what it signs,
/// where the signature goes, how its callbacks are verified and acknowledged.
/// Reached through [`crate::gateway::GatewayModule::signing`].
pub trait Signing {
    /// What the rule signs, re-derived from the request as it will be sent.
    fn signing_input<'a>(&self, unsigned: &'a UnsignedRequest) -> Result<Cow<'a, str>>;
    /// Signs `input` and puts the signature where the gateway reads it (body or headers).
    fn apply(
        &self,
        unsigned: UnsignedRequest,
        input: &str,
        secret: &Secret,
        opts: &SignOptions,
    ) -> Result<SignedRequest>;
    /// Verifies a callback and reads it; nothing of an unverified body is trusted.
    fn verify(
        &self,
        n: &IncomingNotification,
        secret: &Secret,
        opts: &VerifyOptions,
    ) -> Result<Notification>;
    /// What to answer once the notification is handled (`custom`: 易码付's configurable body).
    fn reply(&self, custom: Option<&str>) -> NotifyReply;
}

/// Signs what will be sent. The signing input is re-derived from the body itself,
/// so a body edited after `build` can never go out with a signature of something else.
pub fn sign_request(
    gateway: Gateway,
    unsigned: &UnsignedRequest,
    secret: &Secret,
    opts: &SignOptions,
) -> Result<SignedRequest> {
    let rule = module(gateway).signing();
    let input = rule.signing_input(unsigned)?;
    rule.apply(unsigned.clone(), &input, secret, opts)
}

/// Signs a request the gateway's module built in this same call (the worker's
/// `Shop`): its `signing_input` was written from the very parameters its body was,
/// and it never left Rust, so it is signed as it is and the request is moved —
/// decoding the body again and copying it was a sixth of a checkout.
pub(crate) fn sign_built(
    gateway: Gateway,
    mut unsigned: UnsignedRequest,
    secret: &Secret,
    opts: &SignOptions,
) -> Result<SignedRequest> {
    let input = std::mem::take(&mut unsigned.signing_input);
    module(gateway)
        .signing()
        .apply(unsigned, &input, secret, opts)
}

/// A form gateway's parameters as the body will send them; never already signed.
fn form_params(unsigned: &UnsignedRequest) -> Result<Vec<(String, String)>> {
    let params = request::form_decode(&unsigned.body)
        .ok_or_else(|| CheckoutError::invalid("body", "is not a form body", "不是表单格式"))?;
    if params.iter().any(|(k, _)| k == "sign") {
        return Err(CheckoutError::invalid(
            "body",
            "is already signed",
            "已经签名",
        ));
    }
    Ok(params)
}

/// The form gateways: the signature is one more form parameter, `sign`.
fn signed_form(mut unsigned: UnsignedRequest, signature: String) -> SignedRequest {
    let body = &mut unsigned.body;
    body.push_str(if body.is_empty() { "sign=" } else { "&sign=" });
    body.push_str(&signature);
    SignedRequest {
        method: unsigned.method,
        url: unsigned.url,
        headers: unsigned.headers,
        body: unsigned.body,
        signature,
    }
}

/// A callback as it reached the edge.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IncomingNotification {
    /// Header names in any case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The query string without `?` (gatepay.io's early docs call back with GET).
    pub query: String,
}

impl IncomingNotification {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub const DEFAULT_WINDOW_MS: u64 = 5 * 60 * 1000;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyOptions {
    /// Unix milliseconds now.
    pub now: u64,
    /// How far GatePay's timestamp may be from `now`, either way.
    #[serde(default = "default_window")]
    pub window_ms: u64,
    /// Whether the notification keeps its fields as received (`raw`, for an audit
    /// trail). The worker's own path keeps none: building them was a tenth of a verify.
    #[serde(skip_deserializing, default = "keep_raw")]
    pub keep_raw: bool,
}

fn default_window() -> u64 {
    DEFAULT_WINDOW_MS
}

fn keep_raw() -> bool {
    true
}

/// A form notification's fields as received, when they are to be kept.
fn with_raw(
    mut n: Notification,
    fields: &[(String, String)],
    opts: &VerifyOptions,
) -> Notification {
    if opts.keep_raw {
        n.raw = request::Params(fields).to_json();
    }
    n
}

/// Verifies a gateway callback and reads it. The signature check happens first;
/// nothing of an unverified body is trusted.
pub fn verify_notification(
    gateway: Gateway,
    n: &IncomingNotification,
    secret: &Secret,
    opts: &VerifyOptions,
) -> Result<Notification> {
    module(gateway).signing().verify(n, secret, opts)
}

fn stale(ts: &str) -> CheckoutError {
    CheckoutError::new(
        Code::StaleTimestamp,
        format!("timestamp {ts} is outside the accepted window"),
        format!("时间戳 {ts} 超出允许范围"),
    )
    .field(gatepay::HEADER_TIMESTAMP)
}

/// What to answer a gateway once its notification is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// The acknowledgement each gateway expects; 易码付's body is configurable
/// because integrators differ (`None` → `{"code":"SUCCESS","message":"OK"}`).
pub fn notify_reply(gateway: Gateway, yimafu_body: Option<&str>) -> NotifyReply {
    module(gateway).signing().reply(yimafu_body)
}

impl Signing for gatepay_io::GatepayIo {
    fn signing_input<'a>(&self, unsigned: &'a UnsignedRequest) -> Result<Cow<'a, str>> {
        Ok(gatepay_io::signing_input(&form_params(unsigned)?).into())
    }

    fn apply(
        &self,
        unsigned: UnsignedRequest,
        input: &str,
        secret: &Secret,
        _: &SignOptions,
    ) -> Result<SignedRequest> {
        Ok(signed_form(unsigned, sign_gatepay_io(input, secret)))
    }

    fn verify(
        &self,
        n: &IncomingNotification,
        secret: &Secret,
        opts: &VerifyOptions,
    ) -> Result<Notification> {
        let source = if n.body.trim().is_empty() {
            &n.query
        } else {
            &n.body
        };
        let fields = request::body_params(source).ok_or_else(|| {
            CheckoutError::malformed_notification(&["neither a form nor a JSON body"])
        })?;
        let given = request::Params(&fields)
            .get("sign")
            .ok_or_else(bad_signature)?;
        let expected = sign_gatepay_io(&gatepay_io::notify_signing_input(&fields), secret);
        if !hex_matches(&expected, given) {
            return Err(bad_signature());
        }
        Ok(with_raw(
            gatepay_io::notification_from_fields(&fields)?,
            &fields,
            opts,
        ))
    }

    fn reply(&self, _: Option<&str>) -> NotifyReply {
        NotifyReply {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: "success".into(),
        }
    }
}

impl Signing for gatepay::Gatepay {
    /// The body itself: GatePay signs `timestamp\nnonce\nbody\n`.
    fn signing_input<'a>(&self, unsigned: &'a UnsignedRequest) -> Result<Cow<'a, str>> {
        Ok(Cow::Borrowed(&unsigned.body))
    }

    fn apply(
        &self,
        mut unsigned: UnsignedRequest,
        body: &str,
        secret: &Secret,
        opts: &SignOptions,
    ) -> Result<SignedRequest> {
        let ts = opts
            .timestamp
            .ok_or_else(|| CheckoutError::missing("timestamp"))?
            .to_string();
        let nonce = opts
            .nonce
            .clone()
            .ok_or_else(|| CheckoutError::missing("nonce"))?;
        gatepay::check_nonce(&nonce)?;
        let signature = sign_gatepay(&ts, &nonce, body, secret);
        let headers = &mut unsigned.headers;
        headers.insert(gatepay::HEADER_TIMESTAMP, &ts);
        headers.insert(gatepay::HEADER_NONCE, &nonce);
        headers.insert(gatepay::HEADER_SIGNATURE, &signature);
        Ok(SignedRequest {
            method: unsigned.method,
            url: unsigned.url,
            headers: unsigned.headers,
            body: unsigned.body,
            signature,
        })
    }

    fn verify(
        &self,
        n: &IncomingNotification,
        secret: &Secret,
        opts: &VerifyOptions,
    ) -> Result<Notification> {
        let ts = n
            .header(gatepay::HEADER_TIMESTAMP)
            .ok_or_else(|| CheckoutError::missing(gatepay::HEADER_TIMESTAMP))?;
        let nonce = n
            .header(gatepay::HEADER_NONCE)
            .ok_or_else(|| CheckoutError::missing(gatepay::HEADER_NONCE))?;
        let given = n
            .header(gatepay::HEADER_SIGNATURE)
            .ok_or_else(bad_signature)?;
        let given = request::unhex(given.trim()).ok_or_else(bad_signature)?;
        gatepay_mac(ts, nonce, &n.body, secret)
            .verify_slice(&given)
            .map_err(|_| bad_signature())?;
        // Only a signed timestamp is worth checking against the clock.
        let sent: u64 = ts.parse().map_err(|_| stale(ts))?;
        if sent.abs_diff(opts.now) > opts.window_ms {
            return Err(stale(ts));
        }
        gatepay::parse_notification(&n.body, opts.keep_raw)
    }

    fn reply(&self, _: Option<&str>) -> NotifyReply {
        NotifyReply {
            status: 200,
            content_type: "application/json",
            body: r#"{"returnCode":"SUCCESS","returnMessage":""}"#.into(),
        }
    }
}

impl Signing for yimafu::Yimafu {
    fn signing_input<'a>(&self, unsigned: &'a UnsignedRequest) -> Result<Cow<'a, str>> {
        Ok(yimafu::signing_input(&form_params(unsigned)?).into())
    }

    fn apply(
        &self,
        unsigned: UnsignedRequest,
        input: &str,
        secret: &Secret,
        _: &SignOptions,
    ) -> Result<SignedRequest> {
        Ok(signed_form(unsigned, sign_yimafu(input, secret)))
    }

    fn verify(
        &self,
        n: &IncomingNotification,
        secret: &Secret,
        opts: &VerifyOptions,
    ) -> Result<Notification> {
        let fields = request::body_params(&n.body).ok_or_else(|| {
            CheckoutError::malformed_notification(&["neither a form nor a JSON body"])
        })?;
        let given = request::Params(&fields)
            .get("sign")
            .ok_or_else(bad_signature)?
            .to_owned();
        let signed = |f: &[(String, String)]| {
            let expected = sign_yimafu(&yimafu::signing_input(f), secret).to_ascii_lowercase();
            hex_matches(&expected, &given)
        };
        if signed(&fields) {
            return Ok(with_raw(
                yimafu::notification_from_fields(&fields)?,
                &fields,
                opts,
            ));
        }
        // Values may arrive URL-encoded once more than the form needs.
        let once_more: Option<Vec<(String, String)>> = fields
            .iter()
            .map(|(k, v)| request::percent_decode(v).map(|v| (k.clone(), v)))
            .collect();
        match once_more {
            Some(decoded) if decoded != fields && signed(&decoded) => Ok(with_raw(
                yimafu::notification_from_fields(&decoded)?,
                &decoded,
                opts,
            )),
            _ => Err(bad_signature()),
        }
    }

    fn reply(&self, custom: Option<&str>) -> NotifyReply {
        NotifyReply {
            status: 200,
            content_type: "application/json",
            body: custom
                .unwrap_or(r#"{"code":"SUCCESS","message":"OK"}"#)
                .into(),
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest and python3
mod tests {
    //! Every vector here comes from SIGNING.md (computed with Python's hashlib/hmac).
    use super::*;
    use serde_json::json;

    fn s(v: &str) -> Secret {
        Secret::new(v, "test").unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn gatepay_io_vectors() {
        let inner = "ak_5cbadd67774f810242alipaySO20190420001uid=42;mail=a@b.cn";
        assert_eq!(
            md5_hex(inner.as_bytes()),
            "eed8c449e8130ac99627420a5b540f11"
        );
        assert_eq!(
            sign_gatepay_io(inner, &s("sk_test_secret")),
            "dc240342fcdbd58156ae183b71b13388"
        );
        let row2 = pairs(&[
            ("appkey", "ak_5cbadd67774f8"),
            ("product_id", "7"),
            ("out_order_id", "SO-微信-7"),
            ("product_num", "1"),
            ("pay_type", "wechat"),
            ("custom", "张三"),
        ]);
        assert_eq!(
            sign_gatepay_io(&gatepay_io::signing_input(&row2), &s("sk_test_secret")),
            "9be0beaeeed523a63ec5febcccdabdd4"
        );
    }

    #[test]
    fn gatepay_io_signs_a_built_order() {
        let order = gatepay_io::Order::from_input(&crate::json::Value::from(&json!({"productId": 7, "productNum": 1, "payType": "wechat", "outOrderId": "SO-微信-7", "custom": "张三"}))).unwrap();
        let req = order
            .build(&gatepay_io::Config {
                base_url: "https://gatepay.io".into(),
                appkey: "ak_5cbadd67774f8".into(),
            })
            .unwrap();
        let signed = sign_request(
            Gateway::GatepayIo,
            &req,
            &s("sk_test_secret"),
            &SignOptions::default(),
        )
        .unwrap();
        assert_eq!(signed.signature, "9be0beaeeed523a63ec5febcccdabdd4");
        assert!(signed
            .body
            .ends_with("&sign=9be0beaeeed523a63ec5febcccdabdd4"));
    }

    #[test]
    fn gatepay_vectors() {
        let cases = [
            ("123", "1700073707111", "456", "{the_answer: 42}", "1b03f547af065490c6e106bd93afc861329c52b596512d49489ca0c4ea57adee2991a576e402422a6bb092b83acf0a5618f5b0a7d4c639ae7779fbb3a1b16346"),
            ("123", "1700073707111", "456", "", "9840f2b48d9f34f5beff5f05ba4ac2d4869206cb7677298718906964a52b8fa419e09894c0e304f3a2280c7182769940dd39a681077edbed95b44f926b175013"),
            ("test_secret_key_0123456789", "1672905655498", "9578", r#"{"merchantTradeNo":"22212345678555","env":{"terminalType":"APP"},"currency":"GT","orderAmount":"1.21","goods":{"goodsName":"NF2T","goodsDetail":"123444"}}"#, "7f7cb77c7c2bbb52fe96852560a0aa61e41dc71bd4c2f976450ef0ab435103710cec203325a5b629a5674e60281d60377d3c07aa5d25b6a2dc7b294837499196"),
        ];
        for (key, ts, nonce, body, want) in cases {
            assert_eq!(sign_gatepay(ts, nonce, body, &s(key)), want, "{body}");
        }
    }

    #[test]
    fn gatepay_signs_a_built_order_with_headers() {
        let now = 1_672_905_655_498;
        let order = gatepay::Order::from_input(&crate::json::Value::from(&json!({"merchantTradeNo": "22212345678555", "env": {"terminalType": "APP"}, "currency": "GT", "orderAmount": "1.21", "goods": {"goodsName": "NF2T", "goodsDetail": "123444"}})), now).unwrap();
        let req = order
            .build(
                &gatepay::Config {
                    base_url: "https://openplatform.gateapi.io".into(),
                    client_id: "cid".into(),
                },
                now,
            )
            .unwrap();
        let opts = SignOptions {
            timestamp: Some(now),
            nonce: Some("9578".into()),
        };
        let signed = sign_request(
            Gateway::Gatepay,
            &req,
            &s("test_secret_key_0123456789"),
            &opts,
        )
        .unwrap();
        assert_eq!(signed.headers.get(gatepay::HEADER_SIGNATURE).unwrap(), "7f7cb77c7c2bbb52fe96852560a0aa61e41dc71bd4c2f976450ef0ab435103710cec203325a5b629a5674e60281d60377d3c07aa5d25b6a2dc7b294837499196");
        assert_eq!(
            signed.headers.get(gatepay::HEADER_TIMESTAMP),
            Some("1672905655498")
        );
        assert_eq!(signed.body, req.body);
        let bad = SignOptions {
            timestamp: Some(now),
            nonce: Some("nonce with spaces".into()),
        };
        assert_eq!(
            sign_request(Gateway::Gatepay, &req, &s("k"), &bad)
                .unwrap_err()
                .field
                .as_deref(),
            Some("nonce")
        );
    }

    const YKEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn yimafu_vectors() {
        let v1 = r#"amount=100&app_id=app_9ba59abbe56e057f20f&attach={"userId":888,"level":3}&client_ip=127.0.0.1&description=苹果13Pro&notify_url=http://api.qdoto.com/transactions/notify.html&out_trade_no=1217752501201407&pay_type=20&time_expire=60"#;
        assert_eq!(
            sign_yimafu(v1, &s(YKEY)),
            "0531E3DDA4966502D061D1E643A42BDE"
        );
        let v2 = "amount=2990&app_id=app_9ba59abbe56e057f20f&client_ip=203.0.113.7&description=会员月卡&notify_url=https://shop.example/notify/yimafu&openid=oZwt6wvYaXMHC1mBJ0Ek0y1uU&out_trade_no=WX-JSAPI-0001&pay_type=22&split=0";
        assert_eq!(
            sign_yimafu(v2, &s(YKEY)),
            "39D41AA77160C2A9D87C15DB9BDBB3D2"
        );
    }

    #[test]
    fn yimafu_signs_a_built_order() {
        let o = yimafu::Order::from_input(&crate::json::Value::from(&json!({"outTradeNo": "1217752501201407", "payType": 20, "description": "苹果13Pro", "amount": 100, "clientIp": "127.0.0.1", "notifyUrl": "http://api.qdoto.com/transactions/notify.html", "timeExpire": 60, "attach": "{\"userId\":888,\"level\":3}"}))).unwrap();
        let req = o
            .build(&yimafu::Config {
                base_url: "https://ymf.example".into(),
                app_id: "app_9ba59abbe56e057f20f".into(),
            })
            .unwrap();
        let signed =
            sign_request(Gateway::Yimafu, &req, &s(YKEY), &SignOptions::default()).unwrap();
        assert_eq!(signed.signature, "0531E3DDA4966502D061D1E643A42BDE");
        assert!(signed
            .body
            .ends_with("&sign=0531E3DDA4966502D061D1E643A42BDE"));
        assert!(
            sign_request(
                Gateway::Yimafu,
                &UnsignedRequest {
                    body: signed.body,
                    ..req
                },
                &s(YKEY),
                &SignOptions::default()
            )
            .is_err(),
            "never signs twice"
        );
    }

    fn gatepay_io_notify() -> String {
        request::form_encode(&[
            ("appkey", "ak_5cbadd67774f8"),
            ("order_id", "88231"),
            ("out_order_id", "SO20190420001"),
            ("price", "3.00"),
            ("realprice", "2.98"),
            ("type", "alipay"),
            ("paytime", "1555750300"),
            ("extend", "uid=42;mail=a@b.cn"),
            ("sign", "185f7af090743c196db60f8d102c90c2"),
        ])
    }

    fn opts(now: u64) -> VerifyOptions {
        VerifyOptions {
            now,
            window_ms: DEFAULT_WINDOW_MS,
            keep_raw: true,
        }
    }

    #[test]
    fn gatepay_io_notification_post_and_get() {
        let post = IncomingNotification {
            body: gatepay_io_notify(),
            ..Default::default()
        };
        let n =
            verify_notification(Gateway::GatepayIo, &post, &s("sk_test_secret"), &opts(0)).unwrap();
        assert_eq!(
            (n.merchant_order_id.as_str(), n.notify_id.as_str(), n.paid),
            ("SO20190420001", "88231", true)
        );
        assert_eq!(
            (n.amount.map(|a| a.fen()), n.paid_amount.map(|a| a.fen())),
            (Some(300), Some(298))
        );
        let get = IncomingNotification {
            query: gatepay_io_notify(),
            ..Default::default()
        };
        assert!(
            verify_notification(Gateway::GatepayIo, &get, &s("sk_test_secret"), &opts(0)).is_ok()
        );
        let upper = IncomingNotification {
            body: gatepay_io_notify().replace(
                "185f7af090743c196db60f8d102c90c2",
                "185F7AF090743C196DB60F8D102C90C2",
            ),
            ..Default::default()
        };
        assert!(
            verify_notification(Gateway::GatepayIo, &upper, &s("sk_test_secret"), &opts(0)).is_ok(),
            "hex is case-insensitive"
        );
        let tampered = IncomingNotification {
            body: gatepay_io_notify().replace("realprice=2.98", "realprice=0.01"),
            ..Default::default()
        };
        assert_eq!(
            verify_notification(
                Gateway::GatepayIo,
                &tampered,
                &s("sk_test_secret"),
                &opts(0)
            )
            .unwrap_err()
            .code,
            Code::BadSignature
        );
        assert_eq!(
            verify_notification(Gateway::GatepayIo, &post, &s("other"), &opts(0))
                .unwrap_err()
                .code,
            Code::BadSignature
        );
    }

    fn gatepay_notify(ts: u64, key: &str) -> IncomingNotification {
        let data = json!({"merchantTradeNo": "M-0001", "currency": "USDT", "orderAmount": "12.50", "totalFee": "12.50", "payerId": 1, "transactionId": "T9", "createTime": ts}).to_string();
        let body = json!({"bizType": "PAY", "bizId": "B42", "bizStatus": "PAY_SUCCESS", "client_id": "cid", "data": data}).to_string();
        // Signature computed independently by Node's crypto in tests/ for the JS side;
        // here the Rust signer is trusted because the vectors above pin it.
        let sig = sign_gatepay(&ts.to_string(), "abc123", &body, &s(key));
        IncomingNotification {
            headers: BTreeMap::from([
                ("x-gatepay-timestamp".into(), ts.to_string()),
                ("X-GatePay-Nonce".into(), "abc123".into()),
                ("x-gatepay-signature".into(), sig.to_ascii_uppercase()),
            ]),
            body,
            query: String::new(),
        }
    }

    #[test]
    fn gatepay_notification_window_and_signature() {
        let ts = 1_700_000_000_000;
        let n = verify_notification(
            Gateway::Gatepay,
            &gatepay_notify(ts, "k1"),
            &s("k1"),
            &opts(ts + DEFAULT_WINDOW_MS),
        )
        .unwrap();
        assert_eq!(
            (n.merchant_order_id.as_str(), n.notify_id.as_str(), n.paid),
            ("M-0001", "B42", true)
        );
        assert_eq!(n.amount.map(|a| a.fen()), Some(1250));
        let e = verify_notification(
            Gateway::Gatepay,
            &gatepay_notify(ts, "k1"),
            &s("k1"),
            &opts(ts + DEFAULT_WINDOW_MS + 1),
        )
        .unwrap_err();
        assert_eq!(e.code, Code::StaleTimestamp);
        let e = verify_notification(
            Gateway::Gatepay,
            &gatepay_notify(ts, "k1"),
            &s("k1"),
            &opts(ts - DEFAULT_WINDOW_MS - 1),
        )
        .unwrap_err();
        assert_eq!(e.code, Code::StaleTimestamp);
        let narrow = VerifyOptions {
            now: ts + 11_000,
            window_ms: 10_000,
            keep_raw: true,
        };
        assert_eq!(
            verify_notification(
                Gateway::Gatepay,
                &gatepay_notify(ts, "k1"),
                &s("k1"),
                &narrow
            )
            .unwrap_err()
            .code,
            Code::StaleTimestamp
        );
        assert_eq!(
            verify_notification(
                Gateway::Gatepay,
                &gatepay_notify(ts, "k2"),
                &s("k1"),
                &opts(ts)
            )
            .unwrap_err()
            .code,
            Code::BadSignature
        );
        let mut tampered = gatepay_notify(ts, "k1");
        tampered.body = tampered.body.replace("12.50", "0.01");
        assert_eq!(
            verify_notification(Gateway::Gatepay, &tampered, &s("k1"), &opts(ts))
                .unwrap_err()
                .code,
            Code::BadSignature
        );
        let mut junk = gatepay_notify(ts, "k1");
        junk.headers
            .insert("x-gatepay-signature".into(), "zz".into());
        assert_eq!(
            verify_notification(Gateway::Gatepay, &junk, &s("k1"), &opts(ts))
                .unwrap_err()
                .code,
            Code::BadSignature
        );
    }

    fn yimafu_notify_fields() -> Vec<(&'static str, String)> {
        vec![
            ("amount", "100".into()),
            ("app_id", "app_9ba59abbe56e057f20f".into()),
            ("attach", r#"{"userId":888,"level":3}"#.into()),
            ("channel", "alipay_qr".into()),
            ("description", "苹果13Pro".into()),
            ("out_trade_no", "1217752501201407".into()),
            ("pay_time", "2023-07-19 10:12:13".into()),
            ("trade_no", "YMF2307190011178361713".into()),
            ("trade_state", "success".into()),
            ("true_amount", "100".into()),
            ("sign", "95F0A0AB2B622D3873A1B5B3B69642A6".into()),
        ]
    }

    #[test]
    fn yimafu_notification_vector() {
        let n = IncomingNotification {
            body: request::form_encode(&yimafu_notify_fields()),
            ..Default::default()
        };
        let got = verify_notification(Gateway::Yimafu, &n, &s(YKEY), &opts(0)).unwrap();
        assert_eq!(
            (
                got.merchant_order_id.as_str(),
                got.paid,
                got.amount.map(|a| a.fen())
            ),
            ("1217752501201407", true, Some(100))
        );
        // Doubly encoded values (decode once more before verifying).
        let doubled: Vec<(&str, String)> = yimafu_notify_fields()
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    if k == "description" || k == "attach" {
                        request::form_encode(&[("x", v)])[2..].to_owned()
                    } else {
                        v
                    },
                )
            })
            .collect();
        let n2 = IncomingNotification {
            body: request::form_encode(&doubled),
            ..Default::default()
        };
        assert_eq!(
            verify_notification(Gateway::Yimafu, &n2, &s(YKEY), &opts(0))
                .unwrap()
                .raw["description"],
            "苹果13Pro"
        );
        // Lowercase sign is fine; a changed amount is not.
        let lower = IncomingNotification {
            body: n.body.replace(
                "95F0A0AB2B622D3873A1B5B3B69642A6",
                "95f0a0ab2b622d3873a1b5b3b69642a6",
            ),
            ..Default::default()
        };
        assert!(verify_notification(Gateway::Yimafu, &lower, &s(YKEY), &opts(0)).is_ok());
        let tampered = IncomingNotification {
            body: n.body.replace("true_amount=100", "true_amount=1"),
            ..Default::default()
        };
        assert_eq!(
            verify_notification(Gateway::Yimafu, &tampered, &s(YKEY), &opts(0))
                .unwrap_err()
                .code,
            Code::BadSignature
        );
        let json_body = IncomingNotification {
            body: serde_json::Value::Object(
                yimafu_notify_fields()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), json!(v)))
                    .collect(),
            )
            .to_string(),
            ..Default::default()
        };
        assert!(
            verify_notification(Gateway::Yimafu, &json_body, &s(YKEY), &opts(0)).is_ok(),
            "JSON callbacks are read too"
        );
    }

    /// Correctly signed (sign computed with Python's hashlib) but unreadable:
    /// the signature passes, the content is refused as malformed, not as forged.
    #[test]
    fn signed_but_malformed_notifications() {
        let no_order = "amount=100&app_id=app_9ba59abbe56e057f20f&trade_no=YMF1&trade_state=success&sign=BF1EF109C3646C456B241E14CD9C331E";
        let fractional = "amount=1.5&app_id=app_9ba59abbe56e057f20f&out_trade_no=QC1&trade_no=YMF1&trade_state=success&sign=FFE9B5337185B7C7D658316B70411BFA";
        for (body, needle) in [(no_order, "out_trade_no"), (fractional, "amount")] {
            let n = IncomingNotification {
                body: body.into(),
                ..Default::default()
            };
            let e = verify_notification(Gateway::Yimafu, &n, &s(YKEY), &opts(0)).unwrap_err();
            assert_eq!(e.code, Code::MalformedNotification, "{body}: {e:?}");
            assert!(e.message.contains(needle), "{e:?}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let secret = s("sk_live_do_not_log");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(
            Secret::new("", "YIMAFU_KEY").unwrap_err().code,
            Code::MissingSecret
        );
    }

    #[test]
    fn replies() {
        assert_eq!(notify_reply(Gateway::GatepayIo, None).body, "success");
        assert_eq!(
            notify_reply(Gateway::Gatepay, None).body,
            r#"{"returnCode":"SUCCESS","returnMessage":""}"#
        );
        assert_eq!(
            notify_reply(Gateway::Yimafu, Some("SUCCESS")).body,
            "SUCCESS"
        );
    }
}
