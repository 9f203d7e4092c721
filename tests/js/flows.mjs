// A purchase as the suites need it over and over: create the order on a worker,
// then pay it on the sandbox, which delivers the signed notification.
import assert from 'node:assert/strict';

/**
 * `POST {base}/checkout` with `order`, then the sandbox pays it; asserts both went
 * through. `beforePay(id)` runs in between, once the order id is known.
 */
export async function checkoutAndPay(base, sandbox, order, { beforePay } = {}) {
  const r = await fetch(`${base}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(order),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  const id = body.payment.merchantOrderId;
  beforePay?.(id);
  const seen = [...sandbox.orders.values()].find((o) => o.merchantOrderId === id);
  const paid = await sandbox.pay(seen.id);
  assert.equal(paid.notifyStatus, 200, paid.notifyReply);
  return { id, sandboxId: seen.id };
}
