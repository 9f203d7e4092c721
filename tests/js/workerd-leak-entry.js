// Runs inside workerd for the leak test: the real checkout worker, plus one
// route where the order store fails with an error whose text carries a secret
// (as a platform or binding error might) — an exception inside the handler.
import { createCheckoutHandler } from '../../pkg/handler.js';
import catalog from '../../worker/catalog.js';

export { CheckoutOrder, CheckoutLimiter, CheckoutLedger } from '../../pkg/durable.js';

const handler = createCheckoutHandler({ catalog });
const broken = createCheckoutHandler({ catalog, ordersBinding: 'BROKEN_ORDERS' });

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/explode/')) return handler.fetch(request, env);
    const failing = {
      idFromName: () => {
        throw new Error(`store unavailable for ${env.GATEPAY_SECRET_KEY} / ${btoa(env.YIMAFU_KEY)}`);
      },
    };
    url.pathname = url.pathname.slice('/explode'.length);
    return broken.fetch(new Request(url, request), { ...env, BROKEN_ORDERS: failing });
  },
};
