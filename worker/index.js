// The deployable checkout worker: `wrangler deploy` from this folder (see README).
// With the npm package installed, import from 'qrcheckout/worker/handler' instead.
import { createCheckoutHandler } from '../pkg/handler.js';
import catalog from './catalog.js';

export default createCheckoutHandler({ catalog });
