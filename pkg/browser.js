// Browser entry: validation, unsigned requests, reply parsing and QR rendering.
// Contains no signing code and no secret (a test checks the built .wasm).
// Call `await init()` once (it fetches browser/qrcheckout_bg.wasm next to this
// file), or `initSync({ module })` with bytes or a WebAssembly.Module.
export {
  default,
  default as init,
  initSync,
  validateOrder,
  validateChoice,
  requiredFields,
  buildOrder,
  parseResponse,
  paymentQrSource,
  renderQrSvg,
  renderQrPng,
  qrMatrix,
  drawQr,
} from './browser/qrcheckout.js';

// The checkout flow over a worker: createCheckout({ endpoint }) and the countdown helper.
export { createCheckout, countdown } from './checkout.js';
