// The shop learns of every paid order: the `onPaid` hook and the signed webhook,
// retried by each order's Durable Object (alarms on local disk, across a
// workerd crash), and the ledger behind ADMIN_TOKEN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startSandbox, DEFAULTS } from '../../sandbox/gateway.mjs';
import { startWorkerd, CHECKOUT_MODULES } from '../../sandbox/workerd.mjs';
import { workerBindings } from '../../sandbox/stack.mjs';
import { verifyFulfilmentWebhook } from '../../pkg/webhook.js';
import { checkoutAndPay } from './flows.mjs';

const PORT = 18987;
const HOOK_PORT = 18989;
const WEBHOOK_PORT = 18990;
const SECRET = 'whsec-test-5d1c9b7e';
const TOKEN = 'admin-token-for-tests-0001';
const MODULES = [['tests/js/workerd-fulfil-entry.js', 'esModule'], ...CHECKOUT_MODULES.filter(([n]) => n !== 'worker/index.js')];
const ORDERS = [
  { gateway: 'yimafu', payType: '30', sku: 'member-month' },
  { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t' },
  { gateway: 'gatepay-io', payType: 'alipay', sku: 'longjing-250g' },
];
let sandbox, worker, bindings, ordersDir;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The shop's onPaid endpoint: records every run, fails the first `failFirst[eventId]` of an event. */
const hook = { calls: [], failFirst: {} };
const hookServer = createServer(async (req, res) => {
  let body = '';
  for await (const c of req) body += c;
  const event = JSON.parse(body);
  const n = hook.calls.filter((c) => c.eventId === event.eventId).length;
  const ok = n >= (hook.failFirst[event.eventId] ?? 0);
  hook.calls.push({ eventId: event.eventId, ok, event });
  res.writeHead(ok ? 200 : 500).end();
});

/** The shop's backend: records every delivery; can be down. */
const webhook = { deliveries: [], server: null };
async function webhookUp() {
  webhook.server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    webhook.deliveries.push({ body, signature: req.headers['qrcheckout-signature'] });
    res.writeHead(204).end();
  });
  await new Promise((r) => webhook.server.listen(WEBHOOK_PORT, '127.0.0.1', r));
}
async function webhookDown() {
  webhook.server?.closeAllConnections();
  await new Promise((r) => (webhook.server ? webhook.server.close(r) : r()));
  webhook.server = null;
}

/** The signature restated with Node's crypto, independently of pkg/webhook.js. */
function signedByUs({ body, signature }) {
  const { t, v1 } = Object.fromEntries(signature.split(',').map((p) => p.split('=')));
  const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
  return v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}

before(async () => {
  await new Promise((r) => hookServer.listen(HOOK_PORT, '127.0.0.1', r));
  await webhookUp();
  sandbox = await startSandbox({ port: 18988, merchantBase: `http://127.0.0.1:${PORT}` });
  bindings = {
    ...workerBindings({ sandboxUrl: sandbox.url, workerPort: PORT, pagePort: 18980 }),
    TEST_HOOK_URL: `http://127.0.0.1:${HOOK_PORT}/`,
    FULFILMENT_WEBHOOK_URL: `http://127.0.0.1:${WEBHOOK_PORT}/hooks/qrcheckout`,
    FULFILMENT_WEBHOOK_SECRET: SECRET,
    // Test-sized backoff: 300 ms, doubling, at most 2 s.
    FULFILMENT_RETRY_BASE_MS: '300',
    FULFILMENT_RETRY_CAP_MS: '2000',
    ADMIN_TOKEN: TOKEN,
  };
  worker = await startWorkerd({ port: PORT, modules: MODULES, bindings });
  ordersDir = worker.ordersDir;
});

after(async () => {
  await worker?.stop();
  await sandbox?.close();
  hookServer.closeAllConnections();
  hookServer.close();
  await webhookDown();
});

const paidOrder = (order = ORDERS[0]) => checkoutAndPay(worker.url, sandbox, order);
const view = async (id) => (await fetch(`${worker.url}/orders/${id}`)).json();
async function until(what, check, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
const deliver = (n) => fetch(`${worker.url}${new URL(n.url).pathname}`, { method: 'POST', headers: n.headers, body: n.body });

test('onPaid failing its first three runs ends done, with exactly one successful run despite duplicate notifications', async () => {
  const { id, sandboxId } = await paidOrderFailingHook(3);
  const duplicates = stack(sandboxId);
  for (let i = 0; i < 4; i += 1) {
    assert.equal((await deliver(duplicates())).status, 200, 'a duplicate is acknowledged');
    await sleep(250);
  }
  const v = await until('fulfilment done', async () => ((await view(id)).fulfilment?.state === 'done' ? view(id) : null));
  assert.equal(v.fulfilment.targets.onPaid.attempts, 4, 'three failures, then success');
  const runs = hook.calls.filter((c) => c.event.merchantOrderId === id);
  assert.deepEqual(
    runs.map((c) => c.ok),
    [false, false, false, true],
  );
  assert.equal(new Set(runs.map((c) => c.eventId)).size, 1, 'one event id across retries');
  assert.equal(runs[0].event.amount, '9.90');
  // A late duplicate after success runs nothing again.
  await deliver(duplicates());
  await sleep(1500);
  assert.equal(hook.calls.filter((c) => c.event.merchantOrderId === id && c.ok).length, 1);
});

/** A paid order whose hook fails its first `n` runs. */
async function paidOrderFailingHook(n) {
  // The event id is derived from the order id, known only after checkout: fail by order instead.
  const original = hook.failFirst;
  return checkoutAndPay(worker.url, sandbox, ORDERS[0], {
    beforePay: (id) => (hook.failFirst = { ...original, [`evt_${id}_paid`]: n }),
  });
}
const stack = (sandboxId) => () => sandbox.notification(sandboxId);

test('the webhook: receiver down for the first attempts, then up → delivered, signed, verifiable', async () => {
  await webhookDown();
  const { id } = await paidOrder(ORDERS[1]);
  await until('two failed webhook attempts', async () => (await view(id)).fulfilment?.targets.webhook.attempts >= 2);
  const failing = await view(id);
  assert.equal(failing.fulfilment.state, 'failing');
  assert.match(failing.fulfilment.targets.webhook.lastError, /fetch|connect|refused|network/i);
  await webhookUp();
  await until('delivered', async () => (await view(id)).fulfilment?.state === 'done');
  const mine = webhook.deliveries.filter((d) => JSON.parse(d.body).merchantOrderId === id);
  assert.equal(mine.length, 1);
  assert.ok(signedByUs(mine[0]), 'the signature checks out with Node crypto');
  const event = await verifyFulfilmentWebhook(mine[0].body, mine[0].signature, SECRET);
  assert.deepEqual(Object.keys(event).sort(), [
    'amount',
    'currency',
    'eventId',
    'gateway',
    'gatewayOrderId',
    'merchantOrderId',
    'paidAt',
    'type',
  ]);
  assert.deepEqual([event.type, event.gateway, event.amount, event.currency], ['order.paid', 'gatepay', '1.21', 'USDT']);
  assert.equal(event.gatewayOrderId, [...sandbox.orders.values()].find((o) => o.merchantOrderId === id).prepayId, "the gateway's own id");
  const refused = (p) =>
    p.then(
      () => null,
      (e) => e.code,
    );
  assert.equal(await refused(verifyFulfilmentWebhook(mine[0].body.replace('1.21', '0.01'), mine[0].signature, SECRET)), 'bad_signature');
  assert.equal(await refused(verifyFulfilmentWebhook(mine[0].body, mine[0].signature, 'another-secret')), 'bad_signature');
  const late = { now: Date.now() + 10 * 60 * 1000 };
  assert.equal(await refused(verifyFulfilmentWebhook(mine[0].body, mine[0].signature, SECRET, late)), 'stale_timestamp');
});

test('workerd SIGKILLed while a delivery is being retried: after restart the retries go on, one event id', async () => {
  await webhookDown();
  const { id } = await paidOrder(ORDERS[2]);
  await until('a failed attempt', async () => (await view(id)).fulfilment?.targets.webhook.attempts >= 1);
  worker.child.kill('SIGKILL');
  await new Promise((r) => worker.child.once('exit', r));
  await webhookUp();
  worker = await startWorkerd({ port: PORT, modules: MODULES, bindings, ordersDir, keepOrders: true });
  // Nothing is asked of the order: its alarm, restored from disk, carries on.
  await until('delivered after the restart', async () => webhook.deliveries.some((d) => JSON.parse(d.body).merchantOrderId === id), 30000);
  const v = await view(id);
  assert.equal(v.fulfilment.state, 'done');
  const events = webhook.deliveries.map((d) => JSON.parse(d.body)).filter((e) => e.merchantOrderId === id);
  assert.equal(new Set(events.map((e) => e.eventId)).size, 1, 'never two event ids for one payment');
});

test('the ledger: paid orders listed exactly once, in order, across pages; token required', async () => {
  const since = Date.now();
  const ids = [];
  for (let i = 0; i < 7; i += 1) ids.push((await paidOrder(ORDERS[i % 3])).id);
  const auth = { authorization: `Bearer ${TOKEN}` };
  // Each order's alarm writes its row just after the change: wait for the last one to land.
  await until('the ledger caught up', async () => {
    const r = await fetch(`${worker.url}/orders?state=paid&since=${since}&limit=100`, { headers: auth });
    return (await r.json()).orders.length === ids.length;
  });
  const listed = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ state: 'paid', since: String(since), limit: '3', ...(cursor ? { cursor } : {}) });
    const r = await fetch(`${worker.url}/orders?${q}`, { headers: auth });
    const page = await r.json();
    assert.equal(r.status, 200, JSON.stringify(page));
    assert.ok(page.orders.length <= 3);
    listed.push(...page.orders);
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(listed.map((o) => o.merchantOrderId).sort(), [...ids].sort(), 'each paid order exactly once');
  assert.deepEqual(
    listed.map((o) => o.paidAt),
    [...listed.map((o) => o.paidAt)].sort((a, b) => a - b),
    'newest last',
  );
  assert.ok(
    listed.every((o) => o.state === 'paid' && /^\d+\.\d\d$/.test(o.amount)),
    'exact amounts',
  );
  assert.equal((await fetch(`${worker.url}/orders?state=paid`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await fetch(`${worker.url}/orders?state=paid`)).status, 401);
  const open = await startWorkerd({ port: 18991, modules: MODULES, bindings: { ...bindings, ADMIN_TOKEN: undefined } });
  try {
    assert.equal((await fetch(`${open.url}/orders?state=paid`, { headers: auth })).status, 404, 'no ADMIN_TOKEN: no route');
  } finally {
    await open.stop();
  }
});
