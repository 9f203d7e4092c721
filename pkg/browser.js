// Browser entry: validation, unsigned requests, reply parsing and QR rendering.
// Contains no signing code and no secret (a test checks the built .wasm).
// Call `await init()` once (it fetches browser/qrcheckout_bg.wasm next to this
// file), or `initSync({ module })` with bytes or a WebAssembly.Module.
// The wasm has plain exports (src/abi.rs); wasm.js is the glue all browser entries share.
import { decode, entry, qrFunctions } from './wasm.js';
import { putJson, validateChoiceOn } from './validator.js';

const full = entry(new URL('./browser/qrcheckout_bg.wasm', import.meta.url));
const { init, initSync } = full;
export { init as default, init, initSync };
const answer = (f) => JSON.parse(decode(full.call(f)));

export const validateChoice = validateChoiceOn(full);
export const validateOrder = (gateway, order) =>
  answer((put, w) => w.qc_validate_order(...put(gateway), ...putJson(put, order), Date.now()));
export const buildOrder = (gateway, order, config) =>
  answer((put, w) => w.qc_build_order(...put(gateway), ...putJson(put, order), ...putJson(put, config), Date.now()));
export const requiredFields = (gateway, payType) => answer((put, w) => w.qc_required_fields(...put(gateway), ...put(payType)));
export const parseResponse = (gateway, httpStatus, bodyText) =>
  answer((put, w) => w.qc_parse_response(...put(gateway), httpStatus >>> 0, ...put(bodyText)));
const { renderQrSvg, renderQrPng, qrMatrix, drawQr, paymentQrSource } = qrFunctions(full);
export { renderQrSvg, renderQrPng, qrMatrix, drawQr, paymentQrSource };

// The checkout flow over a worker: createCheckout({ endpoint }) and the countdown helper.
export { createCheckout, countdown } from './checkout.js';
