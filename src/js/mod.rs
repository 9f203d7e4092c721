//! The wasm-bindgen layer: converts JS values to Rust types and back, nothing
//! more. One result alias, one error mapping; every export returns `JsResult`
//! so no input, however wrong, can trap the module.

#[cfg(feature = "validator")]
pub mod browser;
#[cfg(feature = "qr")]
pub mod qr;
#[cfg(feature = "edge")]
pub mod worker;

use crate::error::{CheckoutError, Code};
use crate::json::{self, bad_argument};
use crate::payment::Gateway;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub type JsResult<T> = Result<T, JsValue>;

/// The one way a Rust error becomes a JS `Error`: `name` is `CheckoutError`, and
/// `code`, `field`, `messageZh`, `gatewayCode` are own properties.
pub trait IntoJsResult<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJsResult<T> for Result<T, CheckoutError> {
    fn js(self) -> JsResult<T> {
        self.map_err(js_error)
    }
}

pub fn js_error(e: CheckoutError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("CheckoutError");
    let obj: &JsValue = err.as_ref();
    let set = |k: &str, v: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(obj, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(e.code.as_str()));
    set(
        "field",
        e.field.as_deref().map_or(JsValue::NULL, JsValue::from_str),
    );
    set("messageZh", JsValue::from_str(&e.message_zh));
    set(
        "gatewayCode",
        e.gateway_code
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str),
    );
    err.into()
}

/// JS value → Rust, with a typed error naming the argument on mismatch. The
/// value crosses as JSON text: one native `JSON.stringify` and one string copy
/// instead of a boundary call per field (several times faster, and smaller).
pub fn from_js<T: DeserializeOwned>(value: JsValue, what: &str, code: Code) -> JsResult<T> {
    from_json(&js_text(&value, what, code)?, what, code)
}

/// JS value → the plain tree the core's readers take ([`crate::json`]): what the
/// validator entry reads its arguments with, so it carries no serde code.
pub fn read_js(value: JsValue, what: &str, code: Code) -> JsResult<json::Value> {
    json::argument(Some(&js_text(&value, what, code)?), what, code).js()
}

/// `JSON.stringify(value)`; `undefined` (and anything JSON cannot write, like a function) reads as null.
fn js_text(value: &JsValue, what: &str, code: Code) -> JsResult<String> {
    Ok(js_sys::JSON::stringify(value)
        .map_err(|_| bad_argument(what, code, "cannot be written as JSON"))
        .js()?
        .as_string()
        .unwrap_or_else(|| "null".to_owned()))
}

/// JSON text → Rust, with the same typed error as [`from_js`].
pub fn from_json<T: DeserializeOwned>(text: &str, what: &str, code: Code) -> JsResult<T> {
    serde_json::from_str(text)
        .map_err(|e| bad_argument(what, code, &e.to_string()))
        .js()
}

/// Rust → plain JS objects (maps as objects, integers as numbers), as JSON text
/// parsed by the engine.
pub fn to_js<T: Serialize>(value: &T) -> JsResult<JsValue> {
    js_sys::JSON::parse(&to_json(value)?)
}

/// Rust → JSON text, for exports that hand the text itself to JS.
pub fn to_json<T: Serialize>(value: &T) -> JsResult<String> {
    serde_json::to_string(value)
        .map_err(|e| CheckoutError::internal(&e.to_string()))
        .js()
}

/// An optional options argument: `undefined`/`null` → `None`, anything else read as `T`.
pub fn optional_from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> JsResult<Option<T>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    from_js(value, what, Code::InvalidField).map(Some)
}

/// `"gatepay-io" | "gatepay" | "yimafu"` → [`Gateway`], or `unknown_gateway`.
pub fn gateway(name: &str) -> JsResult<Gateway> {
    name.parse::<Gateway>().js()
}

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
