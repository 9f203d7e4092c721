// The worker as an attacker meets it: open redirects, order spam, forwarded
// buyer strings, and secrets on every error path — in real workerd against the
// sandbox gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, sign, DEFAULTS } from '../../sandbox/gateway.mjs';
import { startWorkerd, CHECKOUT_MODULES } from '../../sandbox/workerd.mjs';
import { workerBindings } from '../../sandbox/stack.mjs';

const PAGE = 'http://127.0.0.1:18680';
// Distinctive secrets, so any trace of them is unmistakable.
const SECRETS = { gatepayIo: 'zz-io-secret-7f3a9c1e', gatepay: 'zz-gatepay-secret-4b8d2a6f', yimafu: 'zz-yimafu-key-9e5c3b7d' };
const CREDENTIALS = {
  gatepayIo: { ...DEFAULTS.gatepayIo, appsecret: SECRETS.gatepayIo },
  gatepay: { ...DEFAULTS.gatepay, secretKey: SECRETS.gatepay },
  yimafu: { ...DEFAULTS.yimafu, key: SECRETS.yimafu },
};
const LEAK_MODULES = [['tests/js/workerd-leak-entry.js', 'esModule'], ...CHECKOUT_MODULES.filter(([name]) => name !== 'worker/index.js')];
const ORDERS = {
  'gatepay-io': { gateway: 'gatepay-io', payType: 'alipay', sku: 'longjing-250g' },
  gatepay: { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t' },
  yimafu: { gateway: 'yimafu', payType: '30', sku: 'member-month' },
};
let sandbox, worker, wrong;

const bindings = (secrets, extra = {}) => ({
  ...workerBindings({ sandboxUrl: sandbox.url, workerPort: 18687, pagePort: 18680 }),
  GATEPAY_IO_APPSECRET: secrets.gatepayIo,
  GATEPAY_SECRET_KEY: secrets.gatepay,
  YIMAFU_KEY: secrets.yimafu,
  ...extra,
});

before(async () => {
  sandbox = await startSandbox({ port: 18688, merchantBase: 'http://127.0.0.1:18687', credentials: CREDENTIALS });
  worker = await startWorkerd({ port: 18687, modules: LEAK_MODULES, bindings: bindings(SECRETS, { GATEWAY_TIMEOUT_MS: '1500' }) });
  const off = Object.fromEntries(Object.entries(SECRETS).map(([k, v]) => [k, `${v}-wrong`]));
  wrong = await startWorkerd({ port: 18689, modules: LEAK_MODULES, bindings: bindings(off) });
});

after(async () => {
  await worker?.stop();
  await wrong?.stop();
  await sandbox?.close();
});

const seen = []; // every response: status, headers and body, for the leak check
async function call(base, path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(base + path, init);
  const text = await r.text();
  seen.push(`${r.status}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* a gateway acknowledgement is plain text */
  }
  return { status: r.status, headers: r.headers, text, json };
}
const sandboxOrderFor = (id) => [...sandbox.orders.values()].find((o) => o.merchantOrderId === id);

test('return URLs lead only to the shop; gateways that take none refuse the field', async () => {
  const W = worker.url;
  const before = sandbox.orders.size;
  for (const evil of [
    'https://evil.example/phish',
    'https://127.0.0.1:18680@evil.example/',
    `${PAGE}.evil.example/`,
    'javascript:alert(1)',
  ]) {
    for (const field of ['returnUrl', 'cancelUrl']) {
      const r = await call(W, '/checkout', { method: 'POST', body: { ...ORDERS.gatepay, [field]: evil } });
      assert.deepEqual([r.status, r.json.error.code, r.json.error.field], [400, 'return_url_not_allowed', field], `${field}=${evil}`);
    }
  }
  assert.equal(sandbox.orders.size, before, 'no order was signed for an outside URL');
  const ok = await call(W, '/checkout', {
    method: 'POST',
    body: { ...ORDERS.gatepay, returnUrl: `${PAGE}/thanks`, cancelUrl: `${PAGE}/cart` },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(sandboxOrderFor(ok.json.payment.merchantOrderId).returnUrl, `${PAGE}/thanks`);
  const ymf = await call(W, '/checkout', { method: 'POST', body: { ...ORDERS.yimafu, returnUrl: `${PAGE}/thanks` } });
  assert.deepEqual([ymf.status, ymf.json.error.code, ymf.json.error.field], [400, 'unsupported_field', 'returnUrl']);

  // RETURN_ORIGINS, when set, replaces the page origins.
  const own = await startWorkerd({ port: 18690, bindings: bindings(SECRETS, { RETURN_ORIGINS: 'https://shop.example' }) });
  try {
    const page = await call(own.url, '/checkout', { method: 'POST', body: { ...ORDERS.gatepay, returnUrl: `${PAGE}/thanks` } });
    assert.equal(page.json.error.code, 'return_url_not_allowed');
    const shop = await call(own.url, '/checkout', {
      method: 'POST',
      body: { ...ORDERS.gatepay, returnUrl: 'https://shop.example/thanks' },
    });
    assert.equal(shop.status, 200, shop.text);
  } finally {
    await own.stop();
  }
});

test('buyer strings that reach a gateway: openid must be a WeChat openid', async () => {
  const jsapi = { gateway: 'yimafu', payType: '22', sku: 'longjing-250g' };
  for (const openid of ['<script>', 'o1&amount=1', 'o'.repeat(65), 'oZwt 6wv']) {
    const r = await call(worker.url, '/checkout', { method: 'POST', body: { ...jsapi, openid } });
    assert.deepEqual([r.status, r.json.error.code, r.json.error.field], [400, 'invalid_field', 'openid'], openid);
  }
  const ok = await call(worker.url, '/checkout', { method: 'POST', body: { ...jsapi, openid: 'oZwt6wvYaXMHC1mBJ0Ek0y1uU' } });
  assert.equal(ok.status, 200, ok.text);
});

test('order creation is rate-limited per client IP (IPv6 per /64); notifications and status reads are not', async () => {
  const limited = await startWorkerd({ port: 18691, bindings: bindings(SECRETS) }); // defaults: 10 a minute, burst 5
  const post = (ip, body = ORDERS.gatepay) => call(limited.url, '/checkout', { method: 'POST', body, headers: { 'cf-connecting-ip': ip } });
  try {
    // Refused checkouts never reach a gateway and do not count.
    for (let i = 0; i < 8; i += 1) assert.equal((await post('198.51.100.7', { ...ORDERS.gatepay, sku: 'nope' })).status, 400);
    const first = [];
    for (let i = 0; i < 5; i += 1) first.push(await post('198.51.100.7'));
    assert.deepEqual(
      first.map((r) => r.status),
      [200, 200, 200, 200, 200],
      'the burst',
    );
    const sixth = await post('198.51.100.7');
    assert.equal(sixth.status, 429);
    assert.equal(sixth.json.error.code, 'rate_limited');
    assert.ok(Number(sixth.headers.get('retry-after')) >= 1, `Retry-After ${sixth.headers.get('retry-after')}`);
    assert.equal((await post('198.51.100.8')).status, 200, 'another address has its own bucket');
    assert.equal((await post('::ffff:198.51.100.7')).status, 429, 'the same IPv4 client written as IPv6');
    assert.equal((await post('::ffff:198.51.100.9')).status, 200, 'IPv4 clients written as IPv6 do not share one bucket');

    // The limited buyer can still read its order, and the gateway can still notify.
    const id = first[0].json.payment.merchantOrderId;
    const read = await call(limited.url, `/orders/${id}`, { headers: { 'cf-connecting-ip': '198.51.100.7' } });
    assert.equal(read.status, 200);
    const n = sandbox.notification(sandboxOrderFor(id).id);
    const notified = await call(limited.url, '/notify/gatepay', {
      method: 'POST',
      body: n.body,
      headers: { ...n.headers, 'cf-connecting-ip': '198.51.100.7' },
    });
    assert.equal(notified.status, 200, notified.text);

    // IPv6: one subscriber's /64 shares a bucket; the next /64 does not.
    for (let i = 0; i < 5; i += 1) assert.equal((await post(`2001:db8:1:2::${i + 1}`)).status, 200);
    assert.equal((await post('2001:0db8:0001:0002:ffff::9')).status, 429);
    assert.equal((await post('2001:db8:1:3::1')).status, 200);
  } finally {
    await limited.stop();
  }
});

test('no secret in any response or log line, on every path', async () => {
  const W = worker.url;
  await call(W, '/catalog');
  // Success, then paid through the gateway's notification.
  for (const order of Object.values(ORDERS)) {
    const r = await call(W, '/checkout', { method: 'POST', body: order });
    assert.equal(r.status, 200, r.text);
    const paid = await sandbox.pay(sandboxOrderFor(r.json.payment.merchantOrderId).id);
    assert.equal(paid.notifyStatus, 200);
  }
  // Wrong secrets: the gateway refuses.
  for (const order of Object.values(ORDERS))
    assert.equal((await call(wrong.url, '/checkout', { method: 'POST', body: order })).status, 502);
  // Gateway 500, HTML, hang.
  for (const mode of ['500', 'html', 'hang']) {
    await fetch(`${sandbox.url}/__sandbox/fault`, { method: 'POST', body: JSON.stringify({ mode, count: 1, hangMs: 2500 }) });
    const r = await call(W, '/checkout', { method: 'POST', body: ORDERS.gatepay });
    assert.ok(r.status === 502 || r.status === 504, `${mode}: ${r.status}`);
  }
  // Forged and stale notifications.
  const { json } = await call(W, '/checkout', { method: 'POST', body: ORDERS.gatepay });
  const n = sandbox.notification(sandboxOrderFor(json.payment.merchantOrderId).id);
  assert.equal((await call(W, '/notify/gatepay', { method: 'POST', body: `${n.body} `, headers: n.headers })).status, 401);
  const ts = String(Date.now() - 3600_000);
  const stale = {
    ...n.headers,
    'X-GatePay-Timestamp': ts,
    'X-GatePay-Signature': sign.gatepay(ts, n.headers['X-GatePay-Nonce'], n.body, SECRETS.gatepay),
  };
  assert.equal((await call(W, '/notify/gatepay', { method: 'POST', body: n.body, headers: stale })).status, 401);
  const y = { app_id: DEFAULTS.yimafu.appId, out_trade_no: 'QC0000000000FORGED1', trade_no: 'T1', amount: '990', trade_state: 'success' };
  const forged = new URLSearchParams({ ...y, sign: sign.yimafu(y, 'guessed-key') }).toString();
  assert.equal(
    (await call(W, '/notify/yimafu', { method: 'POST', body: forged, headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
      .status,
    401,
  );
  // An exception inside the handler whose message carries secrets.
  for (const [method, path] of [
    ['GET', '/explode/orders/QC00000000000000001'],
    ['POST', '/explode/checkout'],
  ]) {
    const r = await call(W, path, { method, body: method === 'POST' ? ORDERS.gatepay : undefined });
    assert.deepEqual([r.status, r.json.error.code], [500, 'internal_error'], path);
  }
  await new Promise((r) => setTimeout(r, 300)); // let workerd flush its log

  const logs = worker.log() + wrong.log();
  assert.match(logs, /unexpected error/, 'the exception was logged…');
  assert.match(logs, /store unavailable for \*\*\* \/ \*\*\*/, '…with the secrets masked');
  const forms = (s) => {
    const hex = Buffer.from(s).toString('hex');
    const b64 = Buffer.from(s).toString('base64');
    return [s, hex, hex.toUpperCase(), b64, b64.replace(/=+$/, ''), encodeURIComponent(s)];
  };
  const everything = `${seen.join('\n\n')}\n${logs}`;
  for (const secret of [...Object.values(SECRETS), ...Object.values(SECRETS).map((s) => `${s}-wrong`)]) {
    for (const form of forms(secret)) assert.ok(!everything.includes(form), `found ${form} (a form of a secret)`);
  }
  assert.ok(seen.length > 20, `${seen.length} responses checked`);
});
