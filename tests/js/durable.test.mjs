// The order store as production runs it: the CheckoutOrder Durable Object in
// real workerd, SQLite files on local disk, against the sandbox gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack } from '../../sandbox/stack.mjs';
import { ACKNOWLEDGEMENTS, DEFAULTS, sign } from '../../sandbox/gateway.mjs';
import { startWorkerd } from '../../sandbox/workerd.mjs';
import { readFileSync } from 'node:fs';
import * as worker from '../../pkg/worker.js';
import { OrderObject, memoryStorage } from '../../pkg/orders.js';
import catalog from '../../worker/catalog.js';

let stack, W, W2;
const MEMBER = { gateway: 'yimafu', payType: '30', sku: 'member-month', quantity: 1 };
const ORDERS = {
  'gatepay-io': { gateway: 'gatepay-io', payType: 'alipay', sku: 'longjing-250g', quantity: 1 },
  gatepay: { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t', quantity: 1 },
  yimafu: MEMBER,
};

before(async () => {
  // Two worker services (two isolates) bound to one namespace.
  stack = await startStack({ page: false, workerPort: 18587, sandboxPort: 18588, pagePort: 18580, workerd: { secondPort: 18589 } });
  W = stack.urls.worker;
  W2 = stack.worker.secondUrl;
});

after(async () => {
  await stack?.stop();
});

const checkout = async (base, body, headers = {}) => {
  const r = await fetch(`${base}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: r.status, headers: r.headers, body: await r.json() };
};
const view = async (base, id) => (await fetch(`${base}/orders/${id}`)).json();
const sandboxOrderFor = (id) => [...stack.sandbox.orders.values()].find((o) => o.merchantOrderId === id);
/** The sandbox's signed notification for an order, sent to `base` instead of the URL it names. */
const deliver = (n, base = W, body = n.body) => fetch(base + new URL(n.url).pathname, { method: 'POST', headers: n.headers, body });

/** The keyed order id, restated from the spec of `orderId` (SHA-256, first 90 bits, base 32). */
function keyedId(key) {
  const digest = createHash('sha256').update(key).digest();
  let n = 0n;
  for (const b of digest.subarray(0, 12)) n = (n << 8n) | BigInt(b);
  n >>= 6n;
  const abc = '0123456789ABCDEFGHIJKLMNOPQRSTUV';
  let id = '';
  for (let i = 17; i >= 0; i -= 1) id += abc[Number((n >> BigInt(5 * i)) & 31n)];
  return `QK${id}`;
}

/** Reads an order's Server-Sent Events as they arrive. */
async function subscribe(base, id) {
  const res = await fetch(`${base}/orders/${id}/events`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const events = [];
  let wake = () => {};
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) events.push({ at: performance.now(), ...JSON.parse(data.slice(6)) });
        wake();
      }
    }
  })();
  return {
    events,
    async until(state, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!events.some((e) => e.state === state)) {
        if (Date.now() > deadline) throw new Error(`no ${state} event within ${ms} ms: ${JSON.stringify(events.map((e) => e.state))}`);
        await new Promise((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return events.find((e) => e.state === state);
    },
    ended: pump,
    close: () => reader.cancel().catch(() => {}),
  };
}

test('two isolates: an order created through one is paid through the other, and both see it', async () => {
  const { body } = await checkout(W, MEMBER);
  const id = body.payment.merchantOrderId;
  const n = stack.sandbox.notification(sandboxOrderFor(id).id);
  const r = await deliver(n, W2);
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(await r.text(), ACKNOWLEDGEMENTS.yimafu);
  assert.equal((await view(W, id)).state, 'paid');
  assert.equal((await view(W2, id)).state, 'paid');

  // The same delivery against the in-memory fallback is lost: what this test guards against.
  const memory = await startWorkerd({ port: 18590, secondPort: 18591, ordersDir: null, bindings: stack.bindings });
  try {
    const c = await checkout(memory.url, MEMBER);
    const m = stack.sandbox.notification(sandboxOrderFor(c.body.payment.merchantOrderId).id);
    assert.equal((await deliver(m, memory.secondUrl)).status, 404, 'memory fallback: the other isolate never saw the order');
  } finally {
    await memory.stop();
  }
});

test('races: 100 deliveries, exact and re-signed, with a wrong-amount and a forged copy → one transition to paid', async () => {
  for (const [g, order] of Object.entries(ORDERS)) {
    const { body } = await checkout(W, order);
    const id = body.payment.merchantOrderId;
    const sandboxId = sandboxOrderFor(id).id;
    const events = await subscribe(W2, id);
    const exact = stack.sandbox.notification(sandboxId);
    // The gateway's own signer makes the wrong-amount copy: a sandbox order that differs only in amount.
    const real = stack.sandbox.orders.get(sandboxId);
    stack.sandbox.orders.set(`${sandboxId}-x`, { ...real, amount: '0.01', amountFen: '1' });
    const wrongAmount = stack.sandbox.notification(`${sandboxId}-x`);
    const genuine = Array.from({ length: 98 }, (_, i) => (i % 2 ? exact : stack.sandbox.notification(sandboxId)));
    const all = genuine.map((n, i) => deliver(n, i % 3 ? W : W2));
    all.splice(40, 0, deliver(wrongAmount));
    all.splice(60, 0, deliver(exact, W, `${exact.body}0`)); // one byte more: the signature no longer covers it
    const answers = await Promise.all(
      all.map(async (p) => {
        const r = await p;
        return [r.status, await r.text()];
      }),
    );
    const wrong = answers.splice(40, 1)[0];
    const forged = answers.splice(59, 1)[0];
    assert.equal(wrong[0], 400, `${g}: ${wrong[1]}`);
    assert.equal(JSON.parse(wrong[1]).error.code, 'amount_mismatch');
    assert.equal(forged[0], 401, `${g}: ${forged[1]}`);
    assert.equal(answers.length, 98);
    for (const [status, text] of answers) assert.deepEqual([status, text], [200, ACKNOWLEDGEMENTS[g]], g);
    await events.until('paid');
    await events.ended;
    const states = events.events.map((e) => e.state);
    assert.deepEqual(states, ['pending', 'paid'], `${g}: exactly one transition`);
    const [a, b] = [await view(W, id), await view(W2, id)];
    assert.deepEqual([a.state, b.state], ['paid', 'paid']);
    assert.equal(a.paidAt, b.paidAt);
    assert.equal(a.paidAt, events.events[1].paidAt, 'one paidAt');
  }
});

test('refusals are not remembered as handled: the same bytes are judged again later', async () => {
  // A genuine notification for an order the worker does not have yet is refused (404)…
  const key = 'refusal-test-key-0001';
  const id = keyedId(key);
  stack.sandbox.orders.set('early-1', {
    id: 'early-1',
    gateway: 'yimafu',
    merchantOrderId: id,
    amountFen: '990',
    notifyUrl: `${W}/notify/yimafu`,
    channel: 'alipay_qr',
    description: 'x',
    attach: '',
  });
  const early = stack.sandbox.notification('early-1');
  assert.equal((await deliver(early)).status, 404);
  // …and once the order exists, the byte-identical retry is applied.
  const created = await checkout(W, MEMBER, { 'idempotency-key': key });
  assert.equal(created.body.payment.merchantOrderId, id, 'the keyed id, computed independently');
  const retry = await deliver(early);
  assert.equal(retry.status, 200);
  assert.equal((await view(W, id)).state, 'paid');

  // A wrong amount stays refused however often it comes: never answered as a handled replay.
  const { body } = await checkout(W, MEMBER);
  const other = body.payment.merchantOrderId;
  const real = sandboxOrderFor(other);
  stack.sandbox.orders.set(`${real.id}-w`, { ...real, amountFen: '1' });
  const wrong = stack.sandbox.notification(`${real.id}-w`);
  for (let i = 0; i < 2; i += 1) assert.equal((await deliver(wrong)).status, 400);
  assert.equal((await view(W, other)).state, 'pending');
});

test('idempotency: 20 concurrent checkouts with one key → one gateway order, 20 identical answers; another body → 409', async () => {
  const key = `idem-${Date.now()}-abcdef`;
  const before = stack.sandbox.orders.size;
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => checkout(i % 2 ? W : W2, ORDERS.gatepay, { 'idempotency-key': key })),
  );
  assert.ok(
    answers.every((a) => a.status === 200),
    JSON.stringify(answers.map((a) => a.status)),
  );
  for (const a of answers) assert.deepEqual(a.body, answers[0].body);
  assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true').length, 19);
  assert.equal(stack.sandbox.orders.size, before + 1, 'one order at the gateway');
  const conflict = await checkout(W, { ...ORDERS.gatepay, quantity: 2 }, { 'idempotency-key': key });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.body.error.code, 'idempotency_key_reused');
  const bad = await checkout(W, ORDERS.gatepay, { 'idempotency-key': 'short' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_idempotency_key');
});

test('overtaking: a notification that arrives before the create-order reply is applied', async () => {
  for (const [g, order] of Object.entries(ORDERS)) {
    await fetch(`${stack.urls.sandbox}/__sandbox/fault`, { method: 'POST', body: JSON.stringify({ mode: 'notify-first', count: 1 }) });
    const r = await checkout(W, order);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const id = r.body.payment.merchantOrderId;
    const seen = sandboxOrderFor(id);
    assert.equal(seen.notifyStatus, 200, `${g}: the early notification was acknowledged (${seen.notifyReply})`);
    assert.equal(r.body.order.state, 'paid', `${g}: the late reply does not undo the payment`);
    const v = await view(W, id);
    assert.equal(v.state, 'paid');
    assert.ok(v.payment, 'the payment is attached all the same');
  }
});

test('live status: a subscriber sees paid pushed within 200 ms of the acknowledgement', async () => {
  const { body } = await checkout(W, ORDERS['gatepay-io']);
  const id = body.payment.merchantOrderId;
  const events = await subscribe(W2, id);
  await events.until('pending');
  const n = stack.sandbox.notification(sandboxOrderFor(id).id);
  const r = await deliver(n);
  const ackedAt = performance.now();
  assert.equal(r.status, 200);
  const paid = await events.until('paid', 2000);
  const lag = paid.at - ackedAt;
  console.log(`live status: paid event ${lag.toFixed(1)} ms after the acknowledgement`);
  assert.ok(lag < 200, `${lag} ms`);
  await events.ended; // the stream ends at a final state
});

test('expiry by alarm: an unpaid order becomes expired with no request, and is forgotten after retention', async () => {
  const short = await startWorkerd({ port: 18592, bindings: { ...stack.bindings, ORDER_EXPIRY_MS: '1500', ORDER_RETENTION_MS: '1500' } });
  try {
    const { body } = await checkout(short.url, MEMBER);
    const id = body.payment.merchantOrderId;
    const events = await subscribe(short.url, id);
    const expired = await events.until('expired', 6000);
    assert.ok(expired.at, 'pushed by the alarm: nobody asked');
    await events.ended;
    // Late money is never lost: a paid notification after expiry is recorded.
    const paid = await deliver(stack.sandbox.notification(sandboxOrderFor(id).id), short.url);
    assert.equal(paid.status, 200);
    assert.equal((await view(short.url, id)).state, 'paid');
    // Retention: expiry + 1.5 s, then the object deletes its storage.
    const deadline = Date.now() + 8000;
    let status;
    do {
      await new Promise((r) => setTimeout(r, 300));
      status = (await fetch(`${short.url}/orders/${id}`)).status;
    } while (status !== 404 && Date.now() < deadline);
    assert.equal(status, 404, 'deleted after the retention period');
  } finally {
    await short.stop();
  }
});

test('orders outlive the process: workerd restarted on the same storage still knows them', async () => {
  const dir = stack.worker.ordersDir;
  const paid = await checkout(W, MEMBER);
  const pending = await checkout(W, ORDERS.gatepay);
  await deliver(stack.sandbox.notification(sandboxOrderFor(paid.body.payment.merchantOrderId).id));
  stack.worker.child.kill('SIGKILL');
  await new Promise((r) => stack.worker.child.once('exit', r));
  const again = await startWorkerd({ port: 18593, ordersDir: dir, keepOrders: true, bindings: stack.bindings });
  try {
    assert.equal((await view(again.url, paid.body.payment.merchantOrderId)).state, 'paid');
    assert.equal((await view(again.url, pending.body.payment.merchantOrderId)).state, 'pending');
  } finally {
    await again.stop();
  }
});

test('a keyed checkout whose worker died mid-call: its order expires, and a repeat of the key gets a final answer', async () => {
  const bindings = { ...stack.bindings, ORDER_EXPIRY_MS: '1500', GATEWAY_TIMEOUT_MS: '10000' };
  let crashing = await startWorkerd({ port: 18594, bindings });
  const { ordersDir } = crashing;
  const key = `crash-${Date.now()}-key`;
  await fetch(`${stack.urls.sandbox}/__sandbox/fault`, { method: 'POST', body: JSON.stringify({ mode: 'hang', count: 1, hangMs: 3000 }) });
  const inFlight = checkout(crashing.url, ORDERS.gatepay, { 'idempotency-key': key }).catch((e) => e);
  await new Promise((r) => setTimeout(r, 300)); // the write-ahead record exists; the gateway call hangs
  crashing.child.kill('SIGKILL');
  await new Promise((r) => crashing.child.once('exit', r));
  await inFlight;
  crashing = await startWorkerd({ port: 18594, bindings, ordersDir, keepOrders: true });
  try {
    const id = keyedId(key);
    const deadline = Date.now() + 8000;
    while ((await view(crashing.url, id)).state !== 'expired') {
      assert.ok(Date.now() < deadline, 'the alarm expired the order');
      await new Promise((r) => setTimeout(r, 200));
    }
    const again = await checkout(crashing.url, ORDERS.gatepay, { 'idempotency-key': key });
    assert.deepEqual([again.status, again.body.error.code], [504, 'gateway_timeout']);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  } finally {
    await crashing.stop();
  }
});

/**
 * An order's object over in-memory storage, to see what it writes, with the `creating` record the real wasm's `Shop`
 * writes for MEMBER: the object's own logic, no workerd.
 */
function memberOrderObject(now) {
  worker.init(readFileSync(new URL('../../pkg/worker/qrcheckout_bg.wasm', import.meta.url)));
  const shop = new worker.Shop(catalog, stack.bindings);
  const { order: record } = JSON.parse(shop.checkout(JSON.stringify(MEMBER), undefined, now, 'abcdefghij', undefined, 'n'.repeat(32)));
  const storage = memoryStorage();
  return { shop, record, storage, object: new OrderObject(storage) };
}

test('only a keyed checkout keeps what a repeat reads (its request hash and answer); a keyless one writes neither', async () => {
  const now = Date.now();
  const reply = (id) =>
    JSON.stringify({
      resultCode: 200,
      message: '成功',
      Data: { out_trade_no: id, trade_no: 'Y1', channel: 'alipay_qr', body: 'https://qr.alipay.com/x' },
    });
  const open = async (requestHash) => {
    const { record, storage, object } = memberOrderObject(now);
    assert.deepEqual(await object.begin({ record, requestHash }), { role: 'owner' });
    const answer = await object.settle({ reply: { status: 200, text: reply(record.merchantOrderId) }, now });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.order.state, 'pending');
    return { object, record, answer, kept: [...(await storage.get(['order', 'request', 'answer'])).keys()] };
  };
  const keyless = await open(undefined);
  assert.deepEqual(keyless.kept, ['order']);
  // Its id is new to the request: anything else under it is someone else's, never a repeat.
  assert.deepEqual(await keyless.object.begin({ record: keyless.record, requestHash: undefined }), { role: 'conflict' });
  const keyed = await open('hash-of-the-request');
  assert.deepEqual(keyed.kept, ['order', 'request', 'answer']);
  assert.deepEqual(await keyed.object.begin({ record: keyed.record, requestHash: 'hash-of-the-request' }), {
    role: 'repeat',
    answer: keyed.answer,
  });
  assert.deepEqual(await keyed.object.begin({ record: keyed.record, requestHash: 'another' }), { role: 'conflict' });
});

test('an applied notification is marked by its fingerprint: an exact copy is a replay, and the marks keep the newest 64', async () => {
  const now = Date.now();
  const { shop, record, storage, object } = memberOrderObject(now);
  await object.begin({ record });
  const p = {
    app_id: DEFAULTS.yimafu.appId,
    out_trade_no: record.merchantOrderId,
    trade_no: 'YMF1',
    channel: 'alipay_qr',
    amount: '990',
    true_amount: '990',
    pay_time: '2026-11-26 12:00:00',
    trade_state: 'success',
  };
  const body = new URLSearchParams({ ...p, sign: sign.yimafu(p, DEFAULTS.yimafu.key) }).toString();
  const headers = JSON.stringify({ 'content-type': 'application/x-www-form-urlencoded' });
  const notification = shop.verifyNotify('yimafu', headers, body, '', now, 300000);
  // Distinct messages (fingerprints) carrying the same verified payment: the first pays, the rest change nothing.
  const fp = (i) => `fp-${i}`;
  assert.deepEqual(await object.notify({ notification, fingerprint: fp(0), now }), { changed: true, state: 'paid' });
  assert.deepEqual(await object.notify({ notification, fingerprint: fp(0), now }), { replay: true, state: 'paid' });
  for (let i = 1; i <= 64; i++)
    assert.deepEqual(await object.notify({ notification, fingerprint: fp(i), now }), { changed: false, state: 'paid' });
  const marks = await storage.get('notified');
  assert.equal(marks.length, 64);
  assert.deepEqual([marks[0], marks.at(-1)], [fp(1), fp(64)]);
  assert.deepEqual(await object.notify({ notification, fingerprint: fp(64), now }), { replay: true, state: 'paid' });
  // The oldest mark is gone: its copy is judged by the state rules again, which keep the order as it is.
  assert.deepEqual(await object.notify({ notification, fingerprint: fp(0), now }), { changed: false, state: 'paid' });
  // Marks outlive the instance: a new one over the same storage reads them with the rest.
  const reopened = new OrderObject(storage);
  assert.deepEqual(await reopened.notify({ notification, fingerprint: fp(0), now }), { replay: true, state: 'paid' });
});
