//! The browser build's bindings in headless Chromium, including real canvases.
#![cfg(target_arch = "wasm32")]

#[path = "wasm_common/mod.rs"]
mod common;

use common::{code_of, obj, prop};
use qrcheckout::js::qr::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn pixel(ctx: &web_sys::CanvasRenderingContext2d, x: f64, y: f64) -> [u8; 4] {
    let d = ctx.get_image_data(x, y, 1.0, 1.0).unwrap().data();
    [d[0], d[1], d[2], d[3]]
}

#[wasm_bindgen_test]
fn draws_on_an_html_canvas() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let canvas: web_sys::HtmlCanvasElement =
        doc.create_element("canvas").unwrap().dyn_into().unwrap();
    let px = draw_qr(
        canvas.clone().into(),
        "https://qr.alipay.com/bax04775wixee8ieymjz00d8",
        obj(r##"{"moduleSize":5,"dark":"#102030"}"##),
    )
    .unwrap();
    assert_eq!((px, canvas.width(), canvas.height()), (41 * 5, 205, 205));
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    // Quiet zone light, finder pattern's corner (module 4,4) dark in the asked colour.
    assert_eq!(pixel(&ctx, 2.0, 2.0), [255, 255, 255, 255]);
    assert_eq!(pixel(&ctx, 22.0, 22.0), [16, 32, 48, 255]);
}

#[wasm_bindgen_test]
fn draws_on_an_offscreen_canvas() {
    let c = web_sys::OffscreenCanvas::new(1, 1).unwrap();
    // "x" is version 1: 21 modules + 2×4 quiet = 29; 100 px → 4 px per module.
    assert_eq!(
        draw_qr(c.clone().into(), "x", obj(r#"{"width":100}"#)).unwrap(),
        29 * 4
    );
    assert_eq!(c.width(), 116);
}

#[wasm_bindgen_test]
fn refuses_what_is_not_a_canvas() {
    let e = draw_qr(JsValue::from_str("canvas"), "x", JsValue::UNDEFINED).unwrap_err();
    assert_eq!(prop(&e, "field").as_string().as_deref(), Some("canvas"));
    assert_eq!(code_of(e), "invalid_qr_option");
}
