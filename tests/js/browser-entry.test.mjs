// The full browser entry has its own binding layer (plain exports, src/abi.rs, and the glue in
// pkg/wasm.js); the worker keeps wasm-bindgen's (src/js). The same Rust is behind both, so every
// answer and every error must be identical, for orders, configs and replies that are right, wrong,
// cut short or not even objects. And a call leaves nothing behind: ten thousand of them need no
// more memory than the first few.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as full from '../../pkg/browser.js';
import * as worker from '../../pkg/worker.js';
import { outcome } from './flows.mjs';

const root = new URL('../../', import.meta.url);
const exports = full.initSync({ module: readFileSync(new URL('pkg/browser/qrcheckout_bg.wasm', root)) });
worker.init(readFileSync(new URL('pkg/worker/qrcheckout_bg.wasm', root)));

const label = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};
const same = (what, f) =>
  assert.deepEqual(
    outcome(() => f(full)),
    outcome(() => f(worker)),
    what,
  );

const seeds = (dir) =>
  readdirSync(new URL(`fuzz/seeds/${dir}/`, root)).map((f) => readFileSync(new URL(`fuzz/seeds/${dir}/${f}`, root), 'utf8'));
// Every seed starts with selector bytes (the fuzz targets' gateway and status).
const body = (t) => t.slice(t.indexOf('{'));
const ORDERS = seeds('order_validation').map((t) => JSON.parse(body(t)));
const REPLIES = seeds('parse_response').map(body);
const GATEWAYS = ['gatepay-io', 'gatepay', 'yimafu'];
const cyclic = {};
cyclic.self = cyclic;
const ODD = [null, undefined, 42, 'order', [], {}, [1, 2], { amount: 10n }, cyclic, () => 1, true];

/** Each of an object's members dropped, emptied, and given a wrong type. */
function* variants(order) {
  yield order;
  for (const k of Object.keys(order)) {
    const { [k]: _, ...rest } = order;
    yield rest;
    for (const v of ['', ' ', '0', -1, 1.5, 2 ** 53, null, [], {}, 'é'.repeat(300)]) yield { ...order, [k]: v };
  }
}

test('validateOrder: the same normalised order or the same CheckoutError as the worker build', () => {
  let n = 0;
  for (const gateway of [...GATEWAYS, 'paypal', ''])
    for (const order of [...ORDERS.flatMap((o) => [...variants(o)]), ...ODD]) {
      same(`${gateway} ${label(order)}`, (m) => m.validateOrder(gateway, order));
      n++;
    }
  assert.ok(n > 1000, `${n} cases`);
  // Where wasm-bindgen's glue threw a TypeError, a name that is not a string is an unknown gateway.
  for (const gateway of [undefined, null, 7, {}])
    assert.equal(outcome(() => full.validateOrder(gateway, ORDERS[0])).error.code, 'unknown_gateway');
});

test('buildOrder: the same unsigned request or the same CheckoutError, config errors included', () => {
  const configs = [
    { baseUrl: 'https://gw.example', appkey: 'ak_1', clientId: 'c1', appId: 'app_1' },
    { baseUrl: 'http://gw.example', appkey: 'ak_1', clientId: 'c1', appId: 'app_1' },
    { baseUrl: 'https://gw.example' },
    { baseUrl: 'javascript:alert(1)', appkey: 'k', clientId: 'c', appId: 'a' },
    ...ODD,
  ];
  for (const gateway of GATEWAYS)
    for (const order of ORDERS.flatMap((o) => [...variants(o)]).slice(0, 120))
      for (const config of configs) same(`${gateway} ${label(order)} ${label(config)}`, (m) => m.buildOrder(gateway, order, config));
});

test('parseResponse: the same Payment or the same CheckoutError (gateway codes too) for replies whole, cut and bent', () => {
  const bodies = new Set([
    '',
    'null',
    '[]',
    '{}',
    '<html>502</html>',
    '{"code":104,"msg":"商品编号错误"}',
    '{"code":"FAIL","message":"x"}',
  ]);
  for (const r of REPLIES) {
    bodies.add(r);
    for (let i = 1; i < r.length; i += 7) bodies.add(r.slice(0, i));
    bodies.add(r.replace(/200|100|"SUCCESS"/, '500'));
    bodies.add(r.replace(/https:/g, 'javascript:'));
    bodies.add(r.replace(/"data"|"Data"/, '"DATA"'));
  }
  let failures = 0;
  for (const gateway of [...GATEWAYS, 'nope'])
    for (const status of [200, 201, 400, 502, 70000])
      for (const body of bodies) {
        const o = outcome(() => full.parseResponse(gateway, status, body));
        if (o.error) failures++;
        same(`${gateway} ${status} ${body}`, (m) => m.parseResponse(gateway, status, body));
      }
  const withCode = outcome(() => full.parseResponse('gatepay-io', 200, '{"code":104,"msg":"商品编号错误"}')).error;
  assert.equal(withCode.gatewayCode, '104', 'the gateway code crosses');
  assert.ok(failures > 100, 'the corpus has errors to compare');
});

test('requiredFields: per pay type; an unknown gateway is a CheckoutError', () => {
  assert.deepEqual(full.requiredFields('yimafu', '22'), ['openid']);
  assert.deepEqual(full.requiredFields('yimafu', '30'), []);
  assert.deepEqual(full.requiredFields('gatepay-io', 'wechat'), []);
  assert.equal(outcome(() => full.requiredFields('paypal', '1')).error.code, 'unknown_gateway');
});

test('arguments JS cannot write as JSON are CheckoutErrors naming the argument', () => {
  for (const bad of [{ amount: 10n }, cyclic]) {
    const { error } = outcome(() => full.validateOrder('yimafu', bad));
    assert.deepEqual([error.name, error.code, error.field], ['CheckoutError', 'invalid_field', 'order']);
    assert.match(error.message, /cannot be written as JSON/);
  }
});

test('ten thousand calls need no more memory than the first hundred (nothing outlives a call)', () => {
  const [order] = ORDERS.filter((o) => o.outTradeNo);
  const config = { baseUrl: 'https://ymf.example', appId: 'app_1' };
  const calls = (n) => {
    for (let i = 0; i < n; i++) {
      full.buildOrder('yimafu', { ...order, outTradeNo: `T${i}` }, config);
      outcome(() => full.parseResponse('yimafu', 200, REPLIES[i % REPLIES.length]));
      outcome(() => full.validateOrder('gatepay', { bad: i }));
      full.renderQrSvg(`https://qr.alipay.com/${i}`);
    }
  };
  calls(100);
  const after100 = exports.memory.buffer.byteLength;
  calls(10_000);
  assert.equal(exports.memory.buffer.byteLength, after100);
});
