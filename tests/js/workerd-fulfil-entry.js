// Runs inside workerd for the fulfilment suite: the real checkout worker with an
// `onPaid` hook that reports each run to the test's receiver and fails when the
// receiver says so (as a shop's shipping call might).
import { createCheckoutHandler } from '../../pkg/handler.js';
import catalog from '../../worker/catalog.js';

export { CheckoutOrder, CheckoutLimiter, CheckoutLedger } from '../../pkg/durable.js';

export default createCheckoutHandler({
  catalog,
  async onPaid(event, env) {
    const res = await fetch(env.TEST_HOOK_URL, { method: 'POST', body: JSON.stringify(event) });
    if (!res.ok) throw new Error(`the shop's hook answered ${res.status}`);
  },
});
