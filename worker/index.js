// The deployable checkout worker: `wrangler deploy` from this folder (see README).
// With the npm package installed, import from 'qrcheckout/worker/handler' and
// 'qrcheckout/worker/durable' instead.
import { createCheckoutHandler } from '../pkg/handler.js';
import catalog from './catalog.js';

// Each order, each client IP's rate limit and each ledger shard is a Durable Object;
// the classes must be exported here.
export { CheckoutOrder, CheckoutLimiter, CheckoutLedger } from '../pkg/durable.js';
export default createCheckoutHandler({ catalog });
