//! What goes in a payment's QR slot, and the one check a gateway's own QR image
//! must pass. Needs nothing but [`crate::error`], so the QR-only entry (built
//! without serde and without the standard library) carries it too.

use crate::error::{CheckoutError, Code, Result};
use alloc::string::String;

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "core", derive(serde::Serialize))]
#[cfg_attr(
    feature = "core",
    serde(tag = "kind", content = "value", rename_all = "camelCase")
)]
pub enum QrSource {
    Text(String),
    Image(String),
}

/// An app credential's answer to "what goes in the QR slot".
pub fn no_qr() -> CheckoutError {
    CheckoutError::new(
        Code::InvalidField,
        "this payment is completed in an app and has no QR code",
        "此订单需在应用内完成支付，没有二维码",
    )
    .field("show")
}

/// `Show::qr_source` for a `show` read field by field from JS (`field` gives a
/// text field, or `None`), as `paymentQrSource` receives it: the same four cases,
/// without building a `Show` (whose app credential, a JSON value, would cost the
/// QR-only entry its drop code). An image is re-checked: the object may have been
/// stored or edited since `parseResponse` wrote it.
pub fn qr_source_of_fields(field: impl Fn(&str) -> Option<String>) -> Result<QrSource> {
    let missing = || {
        CheckoutError::invalid(
            "payment.show",
            "is not a payment from parseResponse",
            "不是 parseResponse 返回的支付对象",
        )
    };
    let text = |k: &str| field(k).ok_or_else(missing);
    match field("kind").as_deref() {
        Some("qr") => Ok(QrSource::Text(text("content")?)),
        Some("redirect") => Ok(QrSource::Text(text("url")?)),
        Some("qrImage") => {
            let url = text("dataUrl")?;
            check_image_data_url(&url)?;
            Ok(QrSource::Image(url))
        }
        Some("app") => Err(no_qr()),
        _ => Err(missing()),
    }
}

/// Accepts only `data:image/(png|jpeg|gif);base64,<base64>` whose payload
/// decodes to an image of that family: anything else could smuggle markup into a page.
pub fn check_image_data_url(url: &str) -> Result<()> {
    let refuse = || {
        CheckoutError::new(
            Code::UnsafeImage,
            "the gateway's QR image is not a base64 PNG, JPEG or GIF data URL",
            "支付网关返回的二维码图片不是合法的 base64 PNG/JPEG/GIF 数据",
        )
        .field("orderQrcode")
    };
    let payload = [
        "data:image/png;base64,",
        "data:image/jpeg;base64,",
        "data:image/gif;base64,",
    ]
    .iter()
    .find_map(|p| url.strip_prefix(p))
    .ok_or_else(refuse)?;
    let body = payload.trim_end_matches('=');
    let valid = !payload.is_empty()
        && payload.len() % 4 == 0
        && payload.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    // The magic bytes, base64-encoded: PNG "iVBORw0KGgo", JPEG "/9j/", GIF "R0lGOD".
    // The legacy gateway labels PNGs as jpeg (its own example does), so any of the
    // three families is accepted under any of the three labels.
    let magic = ["iVBORw0KGgo", "/9j/", "R0lGOD"]
        .iter()
        .any(|m| payload.starts_with(m));
    if valid && magic {
        Ok(())
    } else {
        Err(refuse())
    }
}
