//! # qrcheckout
//!
//! QR and app payments through three gateways — gatepay.io (legacy), GatePay v1
//! and 易码付 — as a sans-IO core: Rust decides what request to send and what a
//! reply means; the caller does the network.
//!
//! | module | what lives there |
//! |---|---|
//! | [`error`] | [`CheckoutError`]: stable code, field, English + Chinese message, gateway code |
//! | [`money`] | [`Amount`]: exact decimal money in fen, never a float |
//! | [`payment`] | [`Gateway`], [`Payment`] (what the page shows), [`Notification`] |
//! | [`request`] | [`UnsignedRequest`] and the form encoding the gateways use |
//! | [`json`] | the reader for the plain objects JS hands in (choices, catalogs, orders) |
//! | [`gateway`] | one module per gateway behind one trait: order, validation, request, reply parsing |
//! | [`catalog`] | the shop's catalog and the buyer's choice, priced; the page's preview check |
//! | [`qr`] | QR encoding and the SVG / PNG / matrix renderers |
//! | `signing` | feature `edge` only: signatures and callback verification |
//! | `checkout` | feature `edge` only: catalog pricing, merchant order ids, order states |
//! | `js` | wasm32, feature `bindgen`: the thin wasm-bindgen layer (the worker build, the wasm test suites) |
//! | `abi` | wasm32 without `bindgen`: the browser entries' plain exports for the hand-written glue in `pkg/` |
//!
//! The browser build (default features) cannot contain signing code: `signing`
//! and the hash crates it uses exist only with `--features edge`.
//!
//! ```
//! # fn main() -> Result<(), qrcheckout::CheckoutError> {
//! use qrcheckout::gateway::{parse_response, yimafu};
//! use qrcheckout::{Amount, Gateway, Show};
//!
//! let order = yimafu::Order {
//!     out_trade_no: "WX-0001".into(), pay_type: 30, description: "会员月卡".into(),
//!     amount: Amount::parse("29.90")?, client_ip: "203.0.113.7".into(),
//!     notify_url: "https://shop.example/notify/yimafu".into(),
//!     time_expire: Some(15), attach: None, openid: None, split: None, pay_extra: None,
//! };
//! let unsigned = order.build(&yimafu::Config { base_url: "https://ymf.example".into(), app_id: "app_1".into() })?;
//! assert!(unsigned.signing_input.starts_with("amount=2990&app_id=app_1&client_ip=203.0.113.7"));
//!
//! let reply_body = r#"{"resultCode":200,"message":"成功","Data":{"out_trade_no":"WX-0001","trade_no":"T1","channel":"alipay_qr","body":"https://qr.alipay.com/bax1"}}"#;
//! let payment = parse_response(Gateway::Yimafu, 200, reply_body)?;
//! let Show::Qr { content } = &payment.show else { panic!("alipay_qr shows a QR: {:?}", payment.show) };
//! assert_eq!(content, "https://qr.alipay.com/bax1");
//! let svg = qrcheckout::qr::render_svg(content, &Default::default())?;
//! assert!(svg.starts_with("<svg"));
//! # Ok(())
//! # }
//! ```

// The QR-only wasm (feature `qr` alone) has no standard library: its panics need no
// formatting machinery, which was a sixth of that entry (src/abi.rs).
#![cfg_attr(all(target_arch = "wasm32", not(feature = "core")), no_std)]

extern crate alloc;

#[cfg(feature = "core")]
pub mod catalog;
#[cfg(feature = "edge")]
pub mod checkout;
pub mod error;
#[cfg(feature = "core")]
pub mod gateway;
#[cfg(feature = "core")]
pub mod json;
#[cfg(feature = "core")]
pub mod money;
#[cfg(feature = "core")]
pub mod payment;
#[cfg(feature = "qr")]
pub mod qr;
#[cfg(feature = "core")]
pub mod request;
#[cfg(feature = "edge")]
pub mod signing;
pub mod slot;

/// The wasm-bindgen exports of the worker build (public so the wasm test suites can call them).
#[cfg(all(target_arch = "wasm32", feature = "bindgen"))]
#[doc(hidden)]
pub mod js;

/// The browser entries' plain wasm exports (no wasm-bindgen: see the module).
#[cfg(all(target_arch = "wasm32", not(feature = "bindgen")))]
#[doc(hidden)]
pub mod abi;

pub use error::{CheckoutError, Code, Result};
#[cfg(feature = "core")]
pub use money::Amount;
#[cfg(feature = "core")]
pub use payment::{Gateway, Notification, Payment, Show};
#[cfg(feature = "core")]
pub use request::UnsignedRequest;
pub use slot::QrSource;
