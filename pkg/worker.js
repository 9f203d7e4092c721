// Worker entry (workerd / Cloudflare Workers): everything of the browser entry
// plus signing and notification verification. workerd cannot compile wasm from
// bytes, so pass the imported module:
//   import wasm from 'qrcheckout/worker/qrcheckout_bg.wasm'; init(wasm);
import { initSync } from './worker/qrcheckout.js';

export {
  validateOrder,
  buildOrder,
  parseResponse,
  paymentQrSource,
  renderQrSvg,
  renderQrPng,
  qrMatrix,
  drawQr,
  signRequest,
  verifyNotify,
  notifyReply,
  signGatepayIo,
  signGatepay,
  signYimafu,
  gatewayFacts,
  merchantFromEnv,
  publicCatalog,
  orderId,
  planCheckout,
  creatingOrder,
  paymentFor,
  openOrder,
  failOrder,
  expireOrder,
  applyNotification,
  applyVerified,
  orderState,
  Shop,
  settleOrder,
  settleReply,
} from './worker/qrcheckout.js';

let ready = false;

/** Instantiates the module once; later calls are no-ops. Accepts a
 * `WebAssembly.Module` (workerd, wrangler) or the `.wasm` bytes (Node). */
export function init(module) {
  if (!ready) {
    initSync({ module });
    ready = true;
  }
}
