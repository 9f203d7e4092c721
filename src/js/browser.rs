//! Exports of both builds: validation, unsigned requests, reply parsing.

use super::{from_js, gateway, now_ms, to_js, IntoJsResult, JsResult};
use crate::error::{CheckoutError, Code};
use crate::gateway::{self, Order};
use crate::payment::Show;
use serde_json::Value;
use wasm_bindgen::prelude::*;

fn order(gateway_name: &str, order: JsValue) -> JsResult<Order> {
    let g = gateway(gateway_name)?;
    let v: Value = from_js(order, "order", Code::InvalidField)?;
    Order::from_input(g, &v, now_ms()).js()
}

/// Validates an order object and returns it normalised, or throws a `CheckoutError`.
#[wasm_bindgen(js_name = validateOrder)]
pub fn validate_order(gateway: &str, order_obj: JsValue) -> JsResult<JsValue> {
    to_js(&order(gateway, order_obj)?)
}

/// `{ method, url, headers, body, signingInput }`, unsigned.
#[wasm_bindgen(js_name = buildOrder)]
pub fn build_order(gateway: &str, order_obj: JsValue, config: JsValue) -> JsResult<JsValue> {
    let o = order(gateway, order_obj)?;
    let c: Value = from_js(config, "config", Code::InvalidField)?;
    to_js(&o.build(&c, now_ms()).js()?)
}

/// A gateway's create-order reply (HTTP status + body text) → `Payment`.
#[wasm_bindgen(js_name = parseResponse)]
pub fn parse_response(gateway_name: &str, http_status: u16, body_text: &str) -> JsResult<JsValue> {
    to_js(&gateway::parse_response(gateway(gateway_name)?, http_status, body_text).js()?)
}

/// What a `Payment` puts in the QR slot: `{ kind: "text" | "image", value }`.
/// Reads `payment.show` as `parseResponse` wrote it; an image is re-checked here,
/// since the object may have been stored or edited since.
#[wasm_bindgen(js_name = paymentQrSource)]
pub fn payment_qr_source(payment: JsValue) -> JsResult<JsValue> {
    let get = |obj: &JsValue, k: &str| {
        js_sys::Reflect::get(obj, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
    };
    let show =
        js_sys::Reflect::get(&payment, &JsValue::from_str("show")).unwrap_or(JsValue::UNDEFINED);
    let missing = || {
        CheckoutError::invalid(
            "payment.show",
            "is not a payment from parseResponse",
            "不是 parseResponse 返回的支付对象",
        )
    };
    let show = match get(&show, "kind").as_deref() {
        Some("qr") => Show::Qr {
            content: get(&show, "content").ok_or_else(missing).js()?,
        },
        Some("qrImage") => Show::QrImage {
            data_url: get(&show, "dataUrl").ok_or_else(missing).js()?,
            link: get(&show, "link"),
        },
        Some("redirect") => Show::Redirect {
            url: get(&show, "url").ok_or_else(missing).js()?,
        },
        Some("app") => Show::App {
            channel: get(&show, "channel").unwrap_or_default(),
            credential: Value::Null,
        },
        _ => return Err(missing()).js(),
    };
    to_js(&show.qr_source().js()?)
}
