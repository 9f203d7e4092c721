//! The gateway-neutral results: [`Payment`] (what the page must show after an
//! order is created) and [`Notification`] (what the gateway says happened).

use crate::error::{cat, decimal, CheckoutError, Code, Result};
use crate::json;
use crate::money::Amount;
pub use crate::slot::{check_image_data_url, qr_source_of_fields, QrSource};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Gateway {
    /// gatepay.io legacy `/api/pay/create`.
    #[serde(rename = "gatepay-io")]
    GatepayIo,
    /// GatePay (Gate) v1 `/v1/pay/order`.
    #[serde(rename = "gatepay")]
    Gatepay,
    /// 易码付 `/v1/transactions/order.html`.
    #[serde(rename = "yimafu")]
    Yimafu,
}

impl Gateway {
    pub const ALL: [Gateway; 3] = [Gateway::GatepayIo, Gateway::Gatepay, Gateway::Yimafu];

    pub fn as_str(self) -> &'static str {
        match self {
            Gateway::GatepayIo => "gatepay-io",
            Gateway::Gatepay => "gatepay",
            Gateway::Yimafu => "yimafu",
        }
    }
}

impl fmt::Display for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Gateway {
    type Err = CheckoutError;
    fn from_str(s: &str) -> Result<Gateway> {
        Gateway::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| {
                CheckoutError::new(
                    Code::UnknownGateway,
                    "gateway must be one of gatepay-io, gatepay, yimafu",
                    "支付网关必须是 gatepay-io、gatepay 或 yimafu 之一",
                )
                .field("gateway")
            })
    }
}

/// What the checkout page must put in front of the buyer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Show {
    /// Render this text as a QR code (a payment link to scan).
    Qr { content: String },
    /// The gateway's own QR picture, already checked to be a base64 PNG/JPEG/GIF
    /// data URL; `link` is the same payment as a URL when the gateway gave one.
    #[serde(rename_all = "camelCase")]
    QrImage {
        data_url: String,
        link: Option<String>,
    },
    /// Send the buyer to this URL (a hosted cashier page).
    Redirect { url: String },
    /// Hand this credential to the payer's app (WeChat/Alipay SDK, GatePay prepay id).
    App {
        channel: String,
        credential: json::Value,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub gateway: Gateway,
    pub show: Show,
    pub merchant_order_id: Option<String>,
    pub gateway_order_id: Option<String>,
    pub amount: Option<Amount>,
    pub currency: Option<String>,
    /// Unix milliseconds after which the QR stops working, when known.
    pub expires_at: Option<u64>,
    /// The pay method the gateway reports (`wechat`, `alipay_qr`, `APP`…).
    pub pay_type: Option<String>,
}

impl Payment {
    pub fn new(gateway: Gateway, show: Show) -> Payment {
        Payment {
            gateway,
            show,
            merchant_order_id: None,
            gateway_order_id: None,
            amount: None,
            currency: None,
            expires_at: None,
            pay_type: None,
        }
    }

    /// What to put in the QR slot; see [`Show::qr_source`].
    pub fn qr_source(&self) -> Result<QrSource> {
        self.show.qr_source()
    }
}

impl Payment {
    /// As JSON text, written by hand as serde writes the struct (`null` for what is
    /// not known), so the browser entry needs no serde_json writer to answer
    /// `parseResponse`. An app credential's fractions stay as the gateway wrote them.
    pub fn to_json(&self) -> String {
        let mut show = String::with_capacity(96);
        let mut s = json::ObjectWriter::new(&mut show);
        match &self.show {
            Show::Qr { content } => s.text("kind", "qr").text("content", content),
            Show::QrImage { data_url, link } => s
                .text("kind", "qrImage")
                .text("dataUrl", data_url)
                .text_or_null("link", link.as_deref()),
            Show::Redirect { url } => s.text("kind", "redirect").text("url", url),
            Show::App {
                channel,
                credential,
            } => s
                .text("kind", "app")
                .text("channel", channel)
                .raw("credential", &credential.to_text()),
        }
        .end();
        let mut out = String::with_capacity(show.len() + 160);
        json::ObjectWriter::new(&mut out)
            .text("gateway", self.gateway.as_str())
            .raw("show", &show)
            .text_or_null("merchantOrderId", self.merchant_order_id.as_deref())
            .text_or_null("gatewayOrderId", self.gateway_order_id.as_deref())
            .text_or_null("amount", self.amount.map(|a| a.to_text()).as_deref())
            .text_or_null("currency", self.currency.as_deref())
            .number_or_null("expiresAt", self.expires_at)
            .text_or_null("payType", self.pay_type.as_deref())
            .end();
        out
    }
}

impl Show {
    /// What to put in the QR slot: text to encode, or the gateway's own image.
    /// A redirect is offered as a QR of its URL (scan to open on a phone); an app
    /// credential has no QR; an image that is not a safe data URL is refused.
    pub fn qr_source(&self) -> Result<QrSource> {
        match self {
            Show::Qr { content } => Ok(QrSource::Text(content.clone())),
            Show::QrImage { data_url, .. } => {
                check_image_data_url(data_url)?;
                Ok(QrSource::Image(data_url.clone()))
            }
            Show::Redirect { url } => Ok(QrSource::Text(url.clone())),
            Show::App { .. } => Err(Show::no_qr()),
        }
    }

    /// An app credential's answer to "what goes in the QR slot".
    pub fn no_qr() -> CheckoutError {
        crate::slot::no_qr()
    }
}

/// What a gateway's callback reports, once its signature has been verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub gateway: Gateway,
    pub merchant_order_id: String,
    pub gateway_order_id: Option<String>,
    /// The order amount as the gateway states it.
    pub amount: Option<Amount>,
    /// What the buyer actually paid, when the gateway reports it separately.
    pub paid_amount: Option<Amount>,
    pub currency: Option<String>,
    pub paid: bool,
    /// The gateway's own status word (`PAY_SUCCESS`, `success`, …).
    pub status: String,
    /// The gateway's id for this event, for idempotent handling.
    pub notify_id: String,
    /// Every field as received, for audit.
    #[serde(default)]
    pub raw: Value,
}

/// A JSON object read without building a tree: each member stays the text the
/// gateway wrote (borrowed from the body) until a reader asks for it. Replies and
/// notifications are a handful of fields, and building value maps of them was most
/// of reading one. A repeated name reads as its last value, as it did in a map.
/// Read by the crate's own reader ([`crate::json::members`]), so reply parsing in
/// the browser entry carries no serde_json.
pub(crate) struct Object<'a>(Vec<(Cow<'a, str>, &'a str)>);

/// What a raw JSON value is, by its first byte.
#[derive(PartialEq)]
enum Kind {
    Null,
    Text,
    Number,
    Object,
    Other,
}

fn kind(raw: &str) -> Kind {
    match raw.as_bytes().first() {
        Some(b'n') => Kind::Null,
        Some(b'"') => Kind::Text,
        Some(b'-' | b'0'..=b'9') => Kind::Number,
        Some(b'{') => Kind::Object,
        _ => Kind::Other,
    }
}

/// A raw `null`.
pub(crate) fn is_null(raw: &str) -> bool {
    kind(raw) == Kind::Null
}

/// A JSON number, read without going through a float.
fn number_of(raw: &str) -> Option<json::Number> {
    match json::parse(raw) {
        Ok(json::Value::Number(n)) => Some(n),
        _ => None,
    }
}

/// A JSON string's content (escapes undone), borrowed when it has none.
fn string_of(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    match json::parse(raw) {
        Ok(json::Value::String(s)) => Some(Cow::Owned(s)),
        _ => None,
    }
}

impl<'a> Object<'a> {
    /// Only a JSON object; anything else (or not JSON) is `None`.
    pub(crate) fn parse(text: &'a str) -> Option<Object<'a>> {
        json::members(text).ok().map(Object)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// How many times `key` occurs.
    pub(crate) fn count(&self, key: &str) -> usize {
        self.0.iter().filter(|(k, _)| k == key).count()
    }

    /// Present and not `null`.
    pub(crate) fn has(&self, key: &str) -> Option<&'a str> {
        self.get(key).filter(|v| !is_null(v))
    }

    /// A string member as it is.
    pub(crate) fn string(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get(key).and_then(string_of)
    }

    /// A number member as it was written.
    pub(crate) fn number(&self, key: &str) -> Option<json::Number> {
        self.get(key).and_then(number_of)
    }

    /// A text-ish member: strings as they are, integers as digits.
    pub(crate) fn text_of(&self, key: &str) -> Option<String> {
        let raw = self.get(key)?;
        match kind(raw) {
            Kind::Text => string_of(raw).map(Cow::into_owned),
            Kind::Number => number_of(raw).and_then(|n| n.integer_text()),
            _ => None,
        }
    }

    pub(crate) fn require_text(&self, key: &str) -> Result<String> {
        match self.text_of(key) {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(CheckoutError::malformed(&[
                "`",
                key,
                "` is missing or not text",
            ])),
        }
    }

    /// Unix-millisecond member that may come as a number or as digits.
    pub(crate) fn millis_of(&self, key: &str) -> Result<Option<u64>> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        let millis = match kind(raw) {
            Kind::Null => return Ok(None),
            Kind::Number => {
                return number_of(raw)
                    .and_then(|n| n.as_u64())
                    .map(Some)
                    .ok_or_else(|| {
                        CheckoutError::malformed(&["`", key, "` is not a whole number"])
                    })
            }
            // Digits only (`parse_decimal` alone would take a leading `+`); past u64 it is no timestamp either.
            Kind::Text => string_of(raw)
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| crate::error::parse_decimal(&s)),
            _ => None,
        };
        millis
            .map(Some)
            .ok_or_else(|| CheckoutError::malformed(&["`", key, "` is not a timestamp"]))
    }

    /// A member that is an object, or a JSON string holding one (both occur). The
    /// text of the latter is decoded into `holder`, which the object then borrows.
    pub(crate) fn nested<'t>(raw: &'a str, what: &str, holder: &'t mut String) -> Result<Object<'t>>
    where
        'a: 't,
    {
        let not_object = || CheckoutError::malformed(&[what, " is not an object"]);
        match kind(raw) {
            Kind::Object => Object::parse(raw).ok_or_else(not_object),
            Kind::Text => {
                *holder = string_of(raw).map(Cow::into_owned).unwrap_or_default();
                let text: &'t String = holder;
                Object::parse(text).ok_or_else(|| {
                    CheckoutError::malformed(&[what, " is a string but not a JSON object"])
                })
            }
            _ => Err(not_object()),
        }
    }

    /// The object as a `Value` tree, for the few places that keep it whole.
    #[cfg(feature = "edge")]
    pub(crate) fn to_value(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .filter_map(|(k, v)| Some((k.to_string(), serde_json::from_str(v).ok()?)))
                .collect(),
        )
    }
}

/// The shared first step of every response parser: HTTP status + body text → a
/// JSON object, or the typed error that explains why not.
pub(crate) fn read_json_object(status: u16, body: &str) -> Result<Object<'_>> {
    let trimmed = body.trim_start_matches('\u{feff}').trim();
    let http = |what: &str| cat(&["HTTP ", &decimal(status.into()), what]);
    let failed = |what: String| {
        if status >= 500 {
            CheckoutError::unavailable(None, &what)
        } else {
            CheckoutError::malformed(&[&what])
        }
    };
    if trimmed.is_empty() {
        return Err(failed(http(" with an empty body")));
    }
    if let Some(map) = Object::parse(trimmed) {
        return Ok(map);
    }
    // Not an object: read it whole, as a tree, only to say why.
    let e = match json::parse(trimmed) {
        Ok(_) => {
            return Err(CheckoutError::malformed(&[
                "the body is JSON but not an object",
            ]))
        }
        Err(e) => e,
    };
    Err(failed(http(if trimmed.starts_with('<') {
        " returned an HTML page, not JSON"
    } else if e.is_eof(trimmed) {
        " returned truncated JSON"
    } else {
        " returned text that is not JSON"
    })))
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest and python3
mod tests {
    use super::*;

    #[test]
    fn gateway_names() {
        for g in Gateway::ALL {
            assert_eq!(g.as_str().parse::<Gateway>(), Ok(g));
        }
        assert_eq!(
            "paypal".parse::<Gateway>().unwrap_err().code,
            Code::UnknownGateway
        );
    }

    #[test]
    fn objects_are_read_member_by_member_as_a_value_map_would_be() {
        let body = r#"{"a":"x","a":"y","n":42,"neg":-7,"f":1.5,"big":1e400,"e\u0073c":"t\"q\u00e9",
            "nul":null,"obj":{"k":1},"s":"{\"k\":\"v\"}","ms":"1700000000000","bad":"12x"}"#;
        let o = Object::parse(body).unwrap();
        // A repeated name is its last value; escaped names and strings are decoded.
        assert_eq!(o.text_of("a").as_deref(), Some("y"));
        assert_eq!(o.count("a"), 2);
        assert_eq!(o.text_of("esc").as_deref(), Some("t\"qé"));
        // Names are borrowed from the body unless they had escapes to undo.
        let name = |k: &str| &o.0.iter().find(|(n, _)| n == k).unwrap().0;
        assert!(matches!(name("a"), Cow::Borrowed(_)));
        assert!(matches!(name("esc"), Cow::Owned(_)));
        assert_eq!(o.number("neg"), Some(json::Number::NegInt(-7)));
        assert_eq!(o.number("a"), None);
        // Integers read as their digits; fractions and out-of-range numbers are not text.
        assert_eq!(o.text_of("n").as_deref(), Some("42"));
        assert_eq!(o.text_of("neg").as_deref(), Some("-7"));
        assert_eq!(o.text_of("f"), None);
        assert_eq!(o.text_of("big"), None);
        assert_eq!(o.text_of("nul"), None);
        assert!(o.get("nul").is_some() && o.has("nul").is_none());
        assert_eq!(
            o.require_text("missing").unwrap_err().code,
            Code::MalformedResponse
        );
        // Timestamps as numbers or digits.
        assert_eq!(o.millis_of("n").unwrap(), Some(42));
        assert_eq!(o.millis_of("ms").unwrap(), Some(1_700_000_000_000));
        assert_eq!(o.millis_of("nul").unwrap(), None);
        assert!(o.millis_of("bad").is_err() && o.millis_of("f").is_err());
        for (text, millis) in [
            ("1700000000000", Some(1_700_000_000_000)),
            (
                "00000000000000000000001700000000000",
                Some(1_700_000_000_000),
            ),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("+1700000000000", None),
            ("-1", None),
            ("17e11", None),
            ("", None),
        ] {
            let body = ["{\"t\":\"", text, "\"}"].concat();
            let got = Object::parse(&body).unwrap().millis_of("t");
            match millis {
                Some(m) => assert_eq!(got.unwrap(), Some(m), "{text}"),
                None => assert_eq!(
                    got.unwrap_err().message,
                    "the gateway's reply could not be read: `t` is not a timestamp",
                    "{text}"
                ),
            }
        }
        // A member that is an object, or a string holding one.
        let mut holder = String::new();
        let inner = Object::nested(o.get("obj").unwrap(), "obj", &mut holder).unwrap();
        assert_eq!(inner.text_of("k").as_deref(), Some("1"));
        let mut holder = String::new();
        let inner = Object::nested(o.get("s").unwrap(), "s", &mut holder).unwrap();
        assert_eq!(inner.text_of("k").as_deref(), Some("v"));
        let mut holder = String::new();
        let e = Object::nested(o.get("ms").unwrap(), "ms", &mut holder)
            .err()
            .unwrap();
        assert_eq!(
            e.message,
            "the gateway's reply could not be read: ms is a string but not a JSON object"
        );
        let e = Object::nested(o.get("n").unwrap(), "n", &mut holder)
            .err()
            .unwrap();
        assert!(e.message.ends_with("n is not an object"), "{}", e.message);
        // Not an object at all.
        for not_object in ["[]", "null", "\"x\"", "{", ""] {
            assert!(Object::parse(not_object).is_none(), "{not_object}");
        }
    }

    #[test]
    fn data_urls() {
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
        assert!(check_image_data_url(png).is_ok());
        assert!(check_image_data_url("data:image/jpeg;base64,/9j/4AAQSkZJRg==").is_ok());
        for bad in [
            "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
            "data:text/html;base64,PHNjcmlwdD4=",
            "javascript:alert(1)",
            "data:image/png;base64,",
            "data:image/png;base64,iVBORw0KGgo\"><script>",
            "data:image/png;base64,iVBORw0KGgoAA",
            "data:image/png;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "https://gatepay.io/qr.png",
            "DATA:image/png;base64,iVBORw0KGgoAAAANSUhEUg==",
        ] {
            assert_eq!(
                check_image_data_url(bad).unwrap_err().code,
                Code::UnsafeImage,
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest
mod written_tests {
    use super::*;
    use proptest::prelude::*;

    fn show() -> impl Strategy<Value = Show> {
        let credential = prop::collection::vec(("\\PC{0,8}", "\\PC{0,8}", any::<u32>()), 0..4)
            .prop_map(|m| {
                let members = m
                    .into_iter()
                    .flat_map(|(k, v, n)| {
                        [
                            (k.clone(), json::Value::String(v)),
                            (
                                format!("{k}#"),
                                json::Value::Number(json::Number::UInt(u64::from(n))),
                            ),
                        ]
                    })
                    .collect();
                json::Value::Object(members).canonical()
            });
        prop_oneof![
            any::<String>().prop_map(|content| Show::Qr { content }),
            (any::<String>(), proptest::option::of(any::<String>()))
                .prop_map(|(data_url, link)| Show::QrImage { data_url, link }),
            any::<String>().prop_map(|url| Show::Redirect { url }),
            (any::<String>(), credential).prop_map(|(channel, credential)| Show::App {
                channel,
                credential
            }),
        ]
    }

    proptest! {
        /// `parseResponse`'s answer in the browser is written by hand; the worker's by serde.
        /// Both must be the same text.
        #[test]
        fn a_payment_is_written_as_serde_writes_it(
            show in show(), g in 0usize..3, ids in proptest::option::of(("\\PC{0,12}", "\\PC{0,12}")),
            fen in proptest::option::of(1u64..10_000_000), expires_at in proptest::option::of(any::<u64>()),
            currency in proptest::option::of("[A-Z]{3}"), pay_type in proptest::option::of("\\PC{0,8}"),
        ) {
            let mut p = Payment::new(Gateway::ALL[g], show);
            (p.merchant_order_id, p.gateway_order_id) = ids.map_or((None, None), |(a, b)| (Some(a), Some(b)));
            p.amount = fen.map(|f| Amount::from_fen(f).unwrap());
            (p.currency, p.expires_at, p.pay_type) = (currency, expires_at, pay_type);
            prop_assert_eq!(p.to_json(), serde_json::to_string(&p).unwrap());
        }
    }
}
