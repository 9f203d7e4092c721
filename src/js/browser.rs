//! Exports of the browser and worker builds: validation, unsigned requests, reply
//! parsing. The validator entry (feature `validator` alone) has only `validateChoice`.

use super::{now_ms, read_js, IntoJsResult, JsResult};
use crate::catalog::{self, Choice};
use crate::error::Code;
use wasm_bindgen::prelude::*;
#[cfg(feature = "checkout")]
use {
    super::gateway,
    crate::gateway::{self, module},
};

/// Validates an order object (the gateway's own field names) and returns it
/// normalised, or throws a `CheckoutError`.
#[cfg(feature = "checkout")]
#[wasm_bindgen(js_name = validateOrder)]
pub fn validate_order(gateway_name: &str, order_obj: JsValue) -> JsResult<JsValue> {
    let v = read_js(order_obj, "order", Code::InvalidField)?;
    js_sys::JSON::parse(
        &module(gateway(gateway_name)?)
            .validate_value(&v, now_ms())
            .js()?,
    )
}

/// `{ method, url, headers, body, signingInput }`, unsigned.
#[cfg(feature = "checkout")]
#[wasm_bindgen(js_name = buildOrder)]
pub fn build_order(gateway_name: &str, order_obj: JsValue, config: JsValue) -> JsResult<JsValue> {
    let v = read_js(order_obj, "order", Code::InvalidField)?;
    let c = read_js(config, "config", Code::InvalidField)?;
    let unsigned = module(gateway(gateway_name)?)
        .build_value(&v, &c, now_ms())
        .js()?;
    js_sys::JSON::parse(&unsigned.to_json())
}

/// The buyer's choice `{ sku, quantity, gateway, payType, openid? }` checked
/// against the catalog by the rules the edge applies; returns the quote
/// `{ sku, gateway, payType, quantity, amount, currency }` (amount as exact
/// decimal text) or throws a `CheckoutError` naming the field.
#[wasm_bindgen(js_name = validateChoice)]
pub fn validate_choice(catalog_products: JsValue, choice: JsValue) -> JsResult<JsValue> {
    let products = read_js(catalog_products, "catalog", Code::InvalidField)?;
    let products = catalog::read_products(&products).js()?;
    let choice = Choice::read(&read_js(choice, "choice", Code::InvalidField)?).js()?;
    js_sys::JSON::parse(
        &catalog::preview(&products, &choice, now_ms())
            .js()?
            .to_json(),
    )
}

/// The buyer fields a gateway's pay type cannot do without (e.g. 易码付 JSAPI → `["openid"]`).
#[cfg(feature = "checkout")]
#[wasm_bindgen(js_name = requiredFields)]
pub fn required_fields(gateway_name: &str, pay_type: &str) -> JsResult<Vec<String>> {
    let fields = module(gateway(gateway_name)?).required_fields(pay_type);
    Ok(fields.iter().map(|f| (*f).to_owned()).collect())
}

/// A gateway's create-order reply (HTTP status + body text) → `Payment`.
#[cfg(feature = "checkout")]
#[wasm_bindgen(js_name = parseResponse)]
pub fn parse_response(gateway_name: &str, http_status: u16, body_text: &str) -> JsResult<JsValue> {
    let payment = gateway::parse_response(gateway(gateway_name)?, http_status, body_text).js()?;
    js_sys::JSON::parse(&payment.to_json())
}
