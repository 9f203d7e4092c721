// The checkout worker in real workerd against the sandbox gateway (whose
// signature checks are its own, in Node's crypto), all on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../../sandbox/stack.mjs';
import { startWorkerd } from '../../sandbox/workerd.mjs';
import { sign, DEFAULTS, ACKNOWLEDGEMENTS } from '../../sandbox/gateway.mjs';

let stack, W;
const ORIGIN = 'http://127.0.0.1:18080';

const post = (path, body, headers = {}) =>
  fetch(W + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function checkout(body, headers) {
  const r = await post('/checkout', body, headers);
  return { status: r.status, body: await r.json(), headers: r.headers };
}

const state = async (id) => (await (await fetch(`${W}/orders/${id}`)).json()).state;
const sandboxOrderFor = (merchantOrderId) => [...stack.sandbox.orders.values()].find((o) => o.merchantOrderId === merchantOrderId);

const ORDERS = {
  'gatepay-io': { gateway: 'gatepay-io', payType: 'alipay', sku: 'longjing-250g', quantity: 2 },
  gatepay: { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t', quantity: 3 },
  yimafu: { gateway: 'yimafu', payType: '30', sku: 'member-month', quantity: 1 },
};

before(async () => {
  stack = await startStack({ page: false, workerPort: 18787, sandboxPort: 18788, pagePort: 18080 });
  W = stack.urls.worker;
});

after(async () => {
  await stack?.stop();
});

test('each gateway: checkout → sandbox verifies the signature → Payment', async () => {
  const expect = { 'gatepay-io': ['qrImage', '59.80'], gatepay: ['qr', '3.63'], yimafu: ['qr', '9.90'] };
  for (const [g, order] of Object.entries(ORDERS)) {
    const r = await checkout(order);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { payment } = r.body;
    assert.equal(payment.gateway, g);
    assert.equal(payment.show.kind, expect[g][0]);
    assert.equal(payment.amount, expect[g][1]);
    assert.ok(payment.expiresAt > Date.now());
    assert.match(payment.merchantOrderId, /^QC[A-Z0-9]{18}$/);
    const seen = sandboxOrderFor(payment.merchantOrderId);
    assert.ok(seen, `${g}: the sandbox accepted the signed order`);
    const link = payment.show.content ?? payment.show.link;
    assert.equal(link, `${stack.urls.sandbox}/pay/${seen.id}`);
    assert.equal(await state(payment.merchantOrderId), 'pending');
  }
});

test('app pay types return a structured credential', async () => {
  const r = await checkout({ gateway: 'yimafu', payType: '31', sku: 'longjing-250g' });
  assert.equal(r.status, 200);
  assert.equal(r.body.payment.show.kind, 'app');
  assert.equal(r.body.payment.show.channel, 'alipay_app');
  assert.match(r.body.payment.show.credential.package, /^prepay_id=/);
});

test('a price or amount sent by the browser has no effect', async () => {
  const r = await checkout({ ...ORDERS.yimafu, price: '0.01', amount: 1, orderAmount: '0.01', quantity: 2 });
  assert.equal(r.body.payment.amount, '19.80');
  assert.equal(sandboxOrderFor(r.body.payment.merchantOrderId).amountFen, '1980');
});

test('wrong secrets: the gateway refuses with its own code, surfaced as 502', async () => {
  const wrong = await startWorkerd({
    port: 18789,
    bindings: { ...stack.bindings, GATEPAY_IO_APPSECRET: 'nope', GATEPAY_SECRET_KEY: 'nope', YIMAFU_KEY: 'nope' },
  });
  try {
    const codes = {};
    for (const [g, order] of Object.entries(ORDERS)) {
      const r = await fetch(`${wrong.url}/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      const body = await r.json();
      assert.equal(r.status, 502, `${g}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, 'gateway_rejected');
      assert.doesNotMatch(JSON.stringify(body), /nope|sandbox_secret|stack/i, 'no secret, no stack trace');
      codes[g] = [body.error.gatewayCode, body.error.message];
    }
    // 201 is 易码付's answer to every refusal: its message says it was the signature.
    assert.deepEqual(codes, {
      'gatepay-io': ['109', 'the gateway refused the order (109): 签名失败'],
      gatepay: ['400002', 'the gateway refused the order (400002): Incorrect signature result'],
      yimafu: ['201', 'the gateway refused the order (201): 签名错误'],
    });
  } finally {
    await wrong.stop();
  }
});

test('a gateway without its secret is disabled with a clear error, not a crash', async () => {
  const partial = await startWorkerd({ port: 18791, bindings: { ...stack.bindings, YIMAFU_KEY: undefined } });
  try {
    const cat = await (await fetch(`${partial.url}/catalog`)).json();
    assert.ok(cat.products.every((p) => p.offers.every((o) => o.gateway !== 'yimafu')));
    const r = await fetch(`${partial.url}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ORDERS.yimafu),
    });
    assert.equal(r.status, 503);
    assert.equal((await r.json()).error.code, 'gateway_not_configured');
  } finally {
    await partial.stop();
  }
});

test('notify: paying on the sandbox marks the order paid; the reply is what each gateway expects', async () => {
  for (const [g, order] of Object.entries(ORDERS)) {
    const { body } = await checkout(order);
    const id = body.payment.merchantOrderId;
    const paid = await stack.sandbox.pay(sandboxOrderFor(id).id);
    assert.equal(paid.notifyStatus, 200, `${g}: ${paid.notifyReply}`);
    assert.equal(paid.notifyReply, ACKNOWLEDGEMENTS[g]);
    assert.equal(await state(id), 'paid');
  }
});

test('notify: forged, stale, unknown-order, wrong-amount and unreadable notifications are refused; state unchanged', async () => {
  // Bad signature (amount edited after signing).
  const { body: b1 } = await checkout(ORDERS.yimafu);
  const id1 = b1.payment.merchantOrderId;
  const n1 = stack.sandbox.notification(sandboxOrderFor(id1).id);
  const forged = n1.body.replace(/true_amount=\d+/, 'true_amount=1');
  let r = await fetch(n1.url, { method: 'POST', headers: n1.headers, body: forged });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error.code, 'bad_signature');
  assert.equal(await state(id1), 'pending');

  // Stale GatePay timestamp, correctly signed (Node crypto) ten minutes ago.
  const { body: b2 } = await checkout(ORDERS.gatepay);
  const id2 = b2.payment.merchantOrderId;
  const n2 = stack.sandbox.notification(sandboxOrderFor(id2).id);
  const ts = String(Date.now() - 10 * 60 * 1000);
  const nonce = 'stale0001';
  const sig = sign.gatepay(ts, nonce, n2.body, DEFAULTS.gatepay.secretKey);
  r = await fetch(n2.url, {
    method: 'POST',
    headers: { ...n2.headers, 'X-GatePay-Timestamp': ts, 'X-GatePay-Nonce': nonce, 'X-GatePay-Signature': sig },
    body: n2.body,
  });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error.code, 'stale_timestamp');
  assert.equal(await state(id2), 'pending');

  // The genuine message marks it paid.
  r = await fetch(n2.url, { method: 'POST', headers: n2.headers, body: n2.body });
  assert.equal(r.status, 200);
  assert.equal(await state(id2), 'paid');

  // A correctly signed notification for an order this worker never created.
  const p = {
    app_id: DEFAULTS.yimafu.appId,
    out_trade_no: 'QCNEVERCREATED000001',
    trade_no: 'T404',
    amount: '990',
    trade_state: 'success',
  };
  r = await fetch(`${W}/notify/yimafu`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...p, sign: sign.yimafu(p, DEFAULTS.yimafu.key) }).toString(),
  });
  assert.equal(r.status, 404);

  // A correctly signed notification with a different amount.
  const { body: b3 } = await checkout(ORDERS.yimafu);
  const id3 = b3.payment.merchantOrderId;
  const q = { app_id: DEFAULTS.yimafu.appId, out_trade_no: id3, trade_no: 'TAMT', amount: '1', true_amount: '1', trade_state: 'success' };
  r = await fetch(`${W}/notify/yimafu`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...q, sign: sign.yimafu(q, DEFAULTS.yimafu.key) }).toString(),
  });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'amount_mismatch');
  assert.equal(await state(id3), 'pending');

  // Correctly signed but missing the order id: unreadable, not forged.
  const m = { app_id: DEFAULTS.yimafu.appId, trade_no: 'TMISSING', amount: '990', trade_state: 'success' };
  r = await fetch(`${W}/notify/yimafu`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...m, sign: sign.yimafu(m, DEFAULTS.yimafu.key) }).toString(),
  });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'malformed_notification');
});

test('a byte-identical retry of a handled notification (a lost acknowledgement) is acknowledged again, for every gateway', async () => {
  for (const [g, order] of Object.entries(ORDERS)) {
    const { body } = await checkout(order);
    const id = body.payment.merchantOrderId;
    const n = stack.sandbox.notification(sandboxOrderFor(id).id);
    const first = await fetch(n.url, { method: 'POST', headers: n.headers, body: n.body });
    assert.equal(first.status, 200, g);
    const paidAt = (await (await fetch(`${W}/orders/${id}`)).json()).paidAt;
    for (let i = 0; i < 2; i += 1) {
      const again = await fetch(n.url, { method: 'POST', headers: n.headers, body: n.body });
      assert.equal(again.status, 200, `${g}: the copy gets the success reply, not a refusal`);
      assert.equal(await again.text(), ACKNOWLEDGEMENTS[g]);
    }
    const after = await (await fetch(`${W}/orders/${id}`)).json();
    assert.deepEqual([after.state, after.paidAt], ['paid', paidAt], `${g}: nothing changed`);
  }
});

test('gatepay.io notifications by GET (early docs) are accepted too', async () => {
  const { body } = await checkout(ORDERS['gatepay-io']);
  const n = stack.sandbox.notification(sandboxOrderFor(body.payment.merchantOrderId).id);
  const r = await fetch(`${n.url}?${n.body}`);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'success');
  assert.equal(await state(body.payment.merchantOrderId), 'paid');
});

test('upstream faults become typed 502/504, the order is failed, and the worker keeps serving', async () => {
  const fault = (mode) =>
    fetch(`${stack.urls.sandbox}/__sandbox/fault`, { method: 'POST', body: JSON.stringify({ mode, count: 1, hangMs: 4000 }) });
  const expectations = [
    ['500', 502, 'gateway_unavailable'],
    ['html', 502, 'malformed_response'],
    ['truncated', 502, 'malformed_response'],
    // Refused at its cap, not read to its end (read whole, it ended in a bare 500).
    ['endless', 502, 'malformed_response'],
    // 8 KB of gzip that inflates to 8 MB: refused at the cap too, its Content-Length notwithstanding.
    ['inflating', 502, 'malformed_response', /over 1048576 bytes/],
  ];
  for (const [mode, status, code, message] of expectations) {
    await fault(mode);
    const r = await checkout(ORDERS.gatepay);
    assert.equal(r.status, status, `${mode}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, mode);
    if (message) assert.match(r.body.error.message, message, mode);
  }
  // Only the hang case needs a short gateway timeout: its own worker.
  const short = await startWorkerd({ port: 18792, bindings: { ...stack.bindings, GATEWAY_TIMEOUT_MS: '1500' } });
  try {
    await fault('hang');
    const key = 'hang-test-0001';
    const r = await fetch(`${short.url}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(ORDERS.gatepay),
    });
    assert.equal(r.status, 504);
    assert.equal((await r.json()).error.code, 'gateway_timeout');
    // The write-ahead record exists and is failed; a repeat of the key gets the same answer.
    const again = await fetch(`${short.url}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(ORDERS.gatepay),
    });
    assert.equal(again.status, 504);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  } finally {
    await short.stop();
  }
  const ok = await checkout(ORDERS.gatepay);
  assert.equal(ok.status, 200);
});

test('a dropped connection is retried once only for 易码付 (idempotent on out_trade_no)', async () => {
  const reset = () => fetch(`${stack.urls.sandbox}/__sandbox/fault`, { method: 'POST', body: JSON.stringify({ mode: 'reset', count: 1 }) });
  await reset();
  const ymf = await checkout(ORDERS.yimafu);
  assert.equal(ymf.status, 200, 'the retry went through');
  await reset();
  const gp = await checkout(ORDERS.gatepay);
  assert.equal(gp.status, 502);
  assert.equal(gp.body.error.code, 'gateway_unreachable', 'GatePay would refuse a repeated merchantTradeNo: no retry');
  await reset();
  const io = await checkout(ORDERS['gatepay-io']);
  assert.equal(io.status, 502);
});

test('a body that declares no length is read only up to the limit: an endless upload is refused at once, not buffered', async () => {
  const CAP = 64 * 1024 * 1024;
  for (const path of ['/checkout', '/notify/yimafu']) {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    // Chunked: no content-length for the worker to refuse up front.
    const body = new ReadableStream({
      pull(c) {
        sent += chunk.length;
        if (sent > CAP) c.close();
        else c.enqueue(chunk);
      },
    });
    const ac = new AbortController();
    const answer = await fetch(W + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
      signal: ac.signal,
    })
      .then(async (r) => ({ status: r.status, code: (await r.json()).error.code }))
      // The worker may close the connection while the client is still writing.
      .catch((e) => ({ status: e.cause?.code ?? e.name }));
    const sentWhenAnswered = sent;
    ac.abort();
    if (typeof answer.status === 'number') assert.deepEqual(answer, { status: 413, code: 'body_too_large' });
    else assert.equal(typeof answer.status, 'string', 'a network error code');
    assert.ok(sentWhenAnswered < CAP / 4, `${path}: answered after ${sentWhenAnswered} bytes: the worker read the upload to its end`);
  }
  assert.equal((await fetch(`${W}/catalog`)).status, 200, 'the worker is still serving');
});

test('bad requests get clear 4xx errors and never reach the gateway', async () => {
  const before = stack.sandbox.orders.size;
  const cases = [
    [post('/checkout', '{not json'), 400, 'invalid_json'],
    [post('/checkout', '[1,2]'), 400, 'invalid_json'],
    [post('/checkout', { gateway: 'yimafu', payType: '30', sku: 'x'.repeat(20000) }), 413, 'body_too_large'],
    [post('/checkout', { ...ORDERS.yimafu, sku: 'nope' }), 400, 'invalid_field'],
    [post('/checkout', { ...ORDERS.yimafu, quantity: 0 }), 400, 'invalid_quantity'],
    [post('/checkout', { ...ORDERS.yimafu, quantity: -1 }), 400, 'invalid_quantity'],
    [post('/checkout', { ...ORDERS.yimafu, gateway: 'paypal' }), 400, 'unknown_gateway'],
    [post('/checkout', { gateway: 'gatepay-io', payType: 'wechat', sku: 'longjing-250g', quantity: 2 }), 400, 'wechat_single_item'],
    [fetch(`${W}/checkout`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported_media_type'],
    [fetch(`${W}/orders/UNKNOWN1`), 404, 'unknown_order'],
    [fetch(`${W}/nope`), 404, 'not_found'],
    [post('/notify/paypal', 'x'), 404, 'unknown_gateway'],
  ];
  for (const [pending, status, code] of cases) {
    const r = await pending;
    const body = await r.json();
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(body.error.code, code);
  }
  assert.equal(stack.sandbox.orders.size, before, 'nothing reached the gateway');
});

test('CORS: allowed origins get headers, others are refused without them', async () => {
  const allowed = await checkout(ORDERS.yimafu, { origin: ORIGIN });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get('access-control-allow-origin'), ORIGIN);
  const pre = await fetch(`${W}/checkout`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  const before = stack.sandbox.orders.size;
  const evil = await checkout(ORDERS.yimafu, { origin: 'https://evil.example' });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const evilPre = await fetch(`${W}/checkout`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
  assert.equal(evilPre.headers.get('access-control-allow-origin'), null);
  assert.equal(stack.sandbox.orders.size, before);
});
