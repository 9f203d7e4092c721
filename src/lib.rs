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
//! | [`gateway`] | one module per gateway: order, validation, request, reply parsing |
//! | [`qr`] | QR encoding and the SVG / PNG / matrix renderers |
//! | `signing` | feature `edge` only: signatures and callback verification |
//! | `checkout` | feature `edge` only: catalog pricing, merchant order ids, order states |
//! | `js` | wasm32 only: the thin wasm-bindgen layer |
//!
//! The browser build (default features) cannot contain signing code: `signing`
//! and the hash crates it uses exist only with `--features edge`.

#[cfg(feature = "edge")]
pub mod checkout;
pub mod error;
pub mod gateway;
pub mod money;
pub mod payment;
#[cfg(feature = "qr")]
pub mod qr;
pub mod request;
#[cfg(feature = "edge")]
pub mod signing;

/// The wasm-bindgen exports (public so the wasm test suites can call them).
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod js;

pub use error::{CheckoutError, Code, Result};
pub use money::Amount;
pub use payment::{Gateway, Notification, Payment, QrSource, Show};
pub use request::UnsignedRequest;
