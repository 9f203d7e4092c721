// QR-only entry (`qrcheckout/qr`): for a page that only shows a payment. Its own
// small wasm: rendering (SVG, PNG, matrix, canvas) and paymentQrSource, nothing
// else. Call `await init()` once (it fetches qr/qrcheckout_bg.wasm next to this
// file), or `initSync({ module })` with bytes or a WebAssembly.Module.
export { default, default as init, initSync, paymentQrSource, renderQrSvg, renderQrPng, qrMatrix, drawQr } from './qr/qrcheckout.js';
