//! One error type for everything that can go wrong, from a bad form field to a
//! gateway that answers with an HTML page. Each error carries a stable machine
//! `code` (never reworded), the offending `field`, a message in English and in
//! Chinese, and — when a gateway defines a number for the situation — that
//! gateway's own code, so offline validation and online rejection look alike.

use alloc::borrow::ToOwned;
use alloc::string::String;
use core::fmt;

/// Messages are joined from parts, never `format!`: the browser entries leave the
/// formatting machinery out (≈ 1.5 KB gzip of the full entry).
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Writes a whole number as decimal text: what `to_string` writes, without `fmt`
/// (held to it by a property test in `money.rs`).
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// [`push_decimal`] into a new string.
#[cfg(feature = "core")]
pub(crate) fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n);
    out
}

/// Reads a whole number as `str::parse::<u64>` does (an optional `+`, then at least one
/// digit, nothing else, no overflow), without its generic code: one instance per integer
/// type was 0.3 KB of wasm each (held to it by a property test in `money.rs`).
#[cfg(feature = "core")]
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Stable machine codes. The string form (`as_str`) is the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "core", derive(serde::Serialize))]
#[cfg_attr(feature = "core", serde(rename_all = "snake_case"))]
pub enum Code {
    /// A required field is absent or empty (gatepay.io 101).
    MissingField,
    /// A field is present but malformed (charset, length, format).
    InvalidField,
    /// The pay type is not one the gateway offers (gatepay.io 102).
    InvalidPayType,
    /// WeChat on gatepay.io sells one item at a time (gatepay.io 103).
    WechatSingleItem,
    /// gatepay.io product id is not a positive integer (gatepay.io 104).
    InvalidProductId,
    /// Quantity must be at least one (gatepay.io 105).
    InvalidQuantity,
    /// Money that is not an exact, positive, in-range decimal.
    InvalidAmount,
    /// The gateway name is not one of `gatepay-io`, `gatepay`, `yimafu`.
    UnknownGateway,
    /// The gateway's reply could not be understood (not JSON, wrong types, truncated).
    MalformedResponse,
    /// The gateway understood the request and refused it; see `gateway_code`.
    GatewayRejected,
    /// The gateway failed on its side (HTTP 5xx, system error codes); retryable.
    GatewayUnavailable,
    /// A gateway QR image that is not a base64 PNG/JPEG/GIF data URL.
    UnsafeImage,
    /// A signature did not match.
    BadSignature,
    /// A signed timestamp lies outside the accepted window.
    StaleTimestamp,
    /// A notification that cannot be read (missing fields, bad encoding).
    MalformedNotification,
    /// A required secret was not provided.
    MissingSecret,
    /// The shop has not switched this gateway on (no id or secret in its settings).
    GatewayNotConfigured,
    /// A correctly signed notification whose amount differs from the order's.
    AmountMismatch,
    /// A buyer field this gateway does not take (refused rather than dropped).
    UnsupportedField,
    /// A return or cancel URL that does not lead back to one of the shop's origins.
    ReturnUrlNotAllowed,
    /// A fault of ours, not of the input or the gateway (e.g. a value that could not be serialised).
    Internal,
    /// QR text is empty.
    QrEmpty,
    /// QR text does not fit in any QR version at the chosen error correction.
    QrTooLong,
    /// A rendering option is out of range (colour, sizes, level).
    InvalidQrOption,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingField => "missing_field",
            Code::InvalidField => "invalid_field",
            Code::InvalidPayType => "invalid_pay_type",
            Code::WechatSingleItem => "wechat_single_item",
            Code::InvalidProductId => "invalid_product_id",
            Code::InvalidQuantity => "invalid_quantity",
            Code::InvalidAmount => "invalid_amount",
            Code::UnknownGateway => "unknown_gateway",
            Code::MalformedResponse => "malformed_response",
            Code::GatewayRejected => "gateway_rejected",
            Code::GatewayUnavailable => "gateway_unavailable",
            Code::UnsafeImage => "unsafe_image",
            Code::BadSignature => "bad_signature",
            Code::StaleTimestamp => "stale_timestamp",
            Code::MalformedNotification => "malformed_notification",
            Code::MissingSecret => "missing_secret",
            Code::GatewayNotConfigured => "gateway_not_configured",
            Code::AmountMismatch => "amount_mismatch",
            Code::UnsupportedField => "unsupported_field",
            Code::ReturnUrlNotAllowed => "return_url_not_allowed",
            Code::Internal => "internal_error",
            Code::QrEmpty => "qr_empty",
            Code::QrTooLong => "qr_too_long",
            Code::InvalidQrOption => "invalid_qr_option",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "core", derive(serde::Serialize))]
#[cfg_attr(feature = "core", serde(rename_all = "camelCase"))]
pub struct CheckoutError {
    pub code: Code,
    #[cfg_attr(feature = "core", serde(skip_serializing_if = "Option::is_none"))]
    pub field: Option<String>,
    pub message: String,
    pub message_zh: String,
    /// The gateway's own status code, as the gateway spells it ("101", "400002", "201").
    #[cfg_attr(feature = "core", serde(skip_serializing_if = "Option::is_none"))]
    pub gateway_code: Option<String>,
}

pub type Result<T, E = CheckoutError> = core::result::Result<T, E>;

impl CheckoutError {
    pub fn new(code: Code, message: impl Into<String>, message_zh: impl Into<String>) -> Self {
        CheckoutError {
            code,
            field: None,
            message: message.into(),
            message_zh: message_zh.into(),
            gateway_code: None,
        }
    }

    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    pub fn gateway_code(mut self, code: impl Into<String>) -> Self {
        self.gateway_code = Some(code.into());
        self
    }

    pub fn missing(field: &str) -> Self {
        CheckoutError::new(
            Code::MissingField,
            cat(&[field, " is required"]),
            cat(&["缺少必填参数 ", field]),
        )
        .field(field)
    }

    pub fn invalid(field: &str, why: &str, why_zh: &str) -> Self {
        CheckoutError::new(
            Code::InvalidField,
            cat(&[field, ": ", why]),
            cat(&[field, "：", why_zh]),
        )
        .field(field)
    }

    /// `what` is a message's parts, joined.
    pub fn malformed(what: &[&str]) -> Self {
        let what = cat(what);
        CheckoutError::new(
            Code::MalformedResponse,
            cat(&["the gateway's reply could not be read: ", &what]),
            cat(&["无法解析支付网关的返回：", &what]),
        )
    }

    pub fn malformed_notification(what: &[&str]) -> Self {
        let what = cat(what);
        CheckoutError::new(
            Code::MalformedNotification,
            cat(&["the notification could not be read: ", &what]),
            cat(&["无法解析支付通知：", &what]),
        )
    }

    /// A local fault (serialising our own values); never blamed on the gateway or the buyer.
    pub fn internal(what: &str) -> Self {
        CheckoutError::new(
            Code::Internal,
            cat(&["internal error: ", what]),
            cat(&["内部错误：", what]),
        )
    }

    /// A gateway refusal: its code and its own words are both kept.
    pub fn rejected(gateway_code: String, gateway_message: &str) -> Self {
        CheckoutError::new(
            Code::GatewayRejected,
            cat(&[
                "the gateway refused the order (",
                &gateway_code,
                "): ",
                gateway_message,
            ]),
            cat(&[
                "支付网关拒绝了订单（",
                &gateway_code,
                "）：",
                gateway_message,
            ]),
        )
        .gateway_code(gateway_code)
    }

    pub fn unavailable(gateway_code: Option<String>, what: &str) -> Self {
        let mut e = CheckoutError::new(
            Code::GatewayUnavailable,
            cat(&["the gateway failed on its side, try again: ", what]),
            cat(&["支付网关暂时不可用，请重试：", what]),
        );
        e.gateway_code = gateway_code;
        e
    }
}

impl fmt::Display for CheckoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code.as_str(), self.message)
    }
}

impl core::error::Error for CheckoutError {}
