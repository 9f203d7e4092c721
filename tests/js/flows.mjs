// What the suites need over and over: a purchase (create the order on a worker, then pay it
// on the sandbox, which delivers the signed notification), and a call's outcome to compare.
import assert from 'node:assert/strict';

/** The value (bytes as a plain array), or the error as the fields a caller reads. */
export function outcome(f) {
  try {
    const v = f();
    return v instanceof Uint8Array ? { bytes: [...v] } : { value: v };
  } catch (e) {
    assert.ok(e instanceof Error, 'errors are Error objects');
    const { name, code, field, message, messageZh, gatewayCode } = e;
    return { error: { name, code, field, message, messageZh, gatewayCode } };
  }
}

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
