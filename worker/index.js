// The deployable checkout worker: `wrangler deploy` from this folder (see README).
// With the npm package installed, import from 'qrcheckout/worker/handler' and
// 'qrcheckout/worker/durable' instead.
import { createCheckoutHandler } from '../pkg/handler.js';
import catalog from './catalog.js';

// Each order lives in its own Durable Object; the class must be exported here.
export { CheckoutOrder } from '../pkg/durable.js';
export default createCheckoutHandler({ catalog });
