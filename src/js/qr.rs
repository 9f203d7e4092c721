//! QR exports of both builds (feature `qr`): SVG, PNG, matrix and canvas.

use super::{IntoJsResult, JsResult};
use crate::payment::{qr_source_of_fields, QrSource};
use crate::qr::{self, OptionValue, QrOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// QR options read field by field: serde's derived deserializer for this one
/// struct cost more wasm than the whole SVG renderer.
fn options(value: JsValue) -> JsResult<QrOptions> {
    let mut o = QrOptions::default();
    if value.is_undefined() || value.is_null() {
        return Ok(o);
    }
    if !value.is_object() {
        return Err(QrOptions::not_an_object()).js();
    }
    let obj: &js_sys::Object = value.unchecked_ref();
    for key in js_sys::Object::keys(obj).iter() {
        let key = key.as_string().unwrap_or_default();
        let v = js_sys::Reflect::get(obj, &JsValue::from_str(&key)).unwrap_or(JsValue::UNDEFINED);
        let text = v.as_string();
        let value = match (&text, v.as_f64()) {
            _ if v.is_undefined() => continue,
            (Some(t), _) => OptionValue::Text(t),
            (None, Some(n)) => OptionValue::Number(n),
            _ => OptionValue::Other,
        };
        o.set(&key, value).js()?;
    }
    // Checked as a whole by `qr::encode`, where every export starts.
    Ok(o)
}

#[wasm_bindgen(js_name = renderQrSvg)]
pub fn render_qr_svg(text: &str, options_obj: JsValue) -> JsResult<String> {
    qr::render_svg(text, &options(options_obj)?).js()
}

#[wasm_bindgen(js_name = renderQrPng)]
pub fn render_qr_png(text: &str, options_obj: JsValue) -> JsResult<String> {
    qr::render_png_data_url(text, &options(options_obj)?).js()
}

/// `{ size, quietZone, modules: Uint8Array }`, row-major, 1 = dark.
#[wasm_bindgen(js_name = qrMatrix)]
pub fn qr_matrix(text: &str, options_obj: JsValue) -> JsResult<JsValue> {
    let m = qr::encode(text, &options(options_obj)?).js()?;
    let out = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&out, &JsValue::from_str(k), v);
    set("size", &JsValue::from(m.size))?;
    set("quietZone", &JsValue::from(m.quiet_zone))?;
    set(
        "modules",
        &js_sys::Uint8Array::from(m.modules.as_slice()).into(),
    )?;
    Ok(out.into())
}

/// Draws on an `HTMLCanvasElement` or `OffscreenCanvas`, resizing it to the QR.
/// Returns the side length in pixels.
#[wasm_bindgen(js_name = drawQr)]
pub fn draw_qr(canvas: JsValue, text: &str, options_obj: JsValue) -> JsResult<u32> {
    let o = options(options_obj)?;
    let m = qr::encode(text, &o).js()?;
    let unit = qr::module_pixels(&m, &o);
    let px = m.size * unit;
    let not_canvas = qr::not_a_canvas;
    let ctx: JsValue = if let Some(c) = canvas.dyn_ref::<web_sys::HtmlCanvasElement>() {
        c.set_width(px);
        c.set_height(px);
        c.get_context("2d")?.ok_or_else(not_canvas).js()?.into()
    } else if let Some(c) = canvas.dyn_ref::<web_sys::OffscreenCanvas>() {
        c.set_width(px);
        c.set_height(px);
        c.get_context("2d")?.ok_or_else(not_canvas).js()?.into()
    } else {
        return Err(not_canvas()).js();
    };
    // Both context types share this API; draw through the 2D context interface.
    let ctx: web_sys::CanvasRenderingContext2d = ctx.unchecked_into();
    let unit_f = f64::from(unit);
    ctx.set_fill_style_str(&o.light);
    ctx.fill_rect(0.0, 0.0, f64::from(px), f64::from(px));
    ctx.set_fill_style_str(&o.dark);
    for (y, x, len) in m.dark_runs() {
        ctx.fill_rect(
            f64::from(x) * unit_f,
            f64::from(y) * unit_f,
            f64::from(len) * unit_f,
            unit_f,
        );
    }
    Ok(px)
}

/// What a `Payment` puts in the QR slot: `{ kind: "text" | "image", value }`.
/// Reads `payment.show` as `parseResponse` wrote it; an image is re-checked here,
/// since the object may have been stored or edited since.
#[wasm_bindgen(js_name = paymentQrSource)]
pub fn payment_qr_source(payment: JsValue) -> JsResult<JsValue> {
    let show =
        js_sys::Reflect::get(&payment, &JsValue::from_str("show")).unwrap_or(JsValue::UNDEFINED);
    let source = qr_source_of_fields(|k| {
        js_sys::Reflect::get(&show, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
    })
    .js()?;
    let (kind, value) = match &source {
        QrSource::Text(v) => ("text", v),
        QrSource::Image(v) => ("image", v),
    };
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"kind".into(), &kind.into())?;
    js_sys::Reflect::set(&out, &"value".into(), &JsValue::from_str(value))?;
    Ok(out.into())
}
