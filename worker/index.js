// The deployable checkout worker: `wrangler deploy` from this folder (see README).
// With the npm package installed, import from 'qrcheckout/worker/handler' and
// 'qrcheckout/worker/durable' instead.
import { createCheckoutHandler } from '../pkg/handler.js';
import catalog from './catalog.js';

// Each order, and each client IP's rate limit, lives in its own Durable Object;
// the classes must be exported here.
export { CheckoutOrder, CheckoutLimiter } from '../pkg/durable.js';
export default createCheckoutHandler({ catalog });
