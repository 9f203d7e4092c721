// qrcheckout/qr: QR rendering and paymentQrSource in their own small wasm. `await init()` once
// (fetches qr/qrcheckout_bg.wasm beside this file) or `initSync({ module })`. Every rule, option
// and message is in Rust; wasm.js is the glue (the full entry has the same functions over its wasm).
import { entry, qrFunctions } from './wasm.js';

const qr = entry(new URL('./qr/qrcheckout_bg.wasm', import.meta.url));
const { init, initSync } = qr;
const { renderQrSvg, renderQrPng, qrMatrix, drawQr, paymentQrSource } = qrFunctions(qr);
export { init as default, init, initSync, renderQrSvg, renderQrPng, qrMatrix, drawQr, paymentQrSource };
