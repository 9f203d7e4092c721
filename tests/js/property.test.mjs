// Property: for random valid orders (Unicode, maximum lengths), what our wasm
// builds and signs is accepted by the sandbox's independent verifier (Node's
// crypto), after the wire body is decoded by URLSearchParams / JSON.parse —
// so the encoding is checked too, not just the hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as w from '../../pkg/worker.js';
import { sign } from '../../sandbox/gateway.mjs';

w.init(readFileSync(new URL('../../pkg/worker/qrcheckout_bg.wasm', import.meta.url)));

const SEED = Number(process.env.PROPERTY_SEED || Date.now() % 2 ** 31);
const CASES = Number(process.env.PROPERTY_CASES || 300);
// mulberry32: small, seeded, reproducible (the seed is printed on failure).
function rng(seed) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const r = rng(SEED);
const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];
const POOLS = [
  () => String.fromCharCode(int(0x20, 0x7e)), // printable ASCII, incl. & = + % ; " ' < >
  () => String.fromCodePoint(int(0x4e00, 0x9fff)), // CJK
  () => String.fromCodePoint(int(0x1f300, 0x1f64f)), // emoji (4-byte UTF-8)
  () => pick(['é', 'ß', '¥', '€', '—', '　', 'ﬁ']),
];
const unicode = (min, max) => Array.from({ length: int(min, max) }, () => pick(POOLS)()).join('');
const charset = (chars, min, max) => Array.from({ length: int(min, max) }, () => chars[int(0, chars.length - 1)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const decimal = () => {
  const fen = int(1, 99999999);
  const y = Math.floor(fen / 100);
  const c = fen % 100;
  return pick([`${y}.${String(c).padStart(2, '0')}`, c % 10 === 0 ? `${y}.${c / 10}` : `${y}.${String(c).padStart(2, '0')}`, `${y + 1}`]);
};

const KEYS = { io: 'sk_prop_秘密', gp: 'prop secret key/+=', ymf: '0123456789abcdef0123456789abcdef' };
const at = (msg) => `${msg} (PROPERTY_SEED=${SEED})`;

/** validateOrder's answer is the order normalised: valid again, unchanged, and it builds the same request. */
function normalises(gateway, order, unsigned) {
  const config = { baseUrl: new URL(unsigned.url).origin, appkey: 'k', clientId: 'k', appId: 'k' };
  const normal = w.validateOrder(gateway, order);
  assert.deepEqual(w.validateOrder(gateway, normal), normal, at(`${gateway}: normalising twice changes nothing`));
  const again = w.buildOrder(gateway, normal, config);
  assert.equal(again.body.length > 0 && again.signingInput.length > 0, true);
  assert.deepEqual(w.buildOrder(gateway, order, config), again, at(`${gateway}: the normalised order builds the same request`));
}

test('gatepay.io: random orders verify under the independent md5 rule', () => {
  for (let i = 0; i < CASES; i++) {
    const payType = pick(['wechat', 'alipay', 'onecode']);
    const order = {
      productId: int(1, 2 ** 31),
      productNum: payType === 'wechat' ? 1 : int(1, 999),
      payType,
      outOrderId: unicode(1, 64),
      custom: unicode(0, 255),
    };
    const unsigned = w.buildOrder('gatepay-io', order, { baseUrl: 'https://gatepay.io', appkey: `ak_${charset(ALNUM, 1, 20)}` });
    normalises('gatepay-io', order, unsigned);
    const signed = w.signRequest('gatepay-io', unsigned, { appsecret: KEYS.io });
    const p = Object.fromEntries(new URLSearchParams(signed.body));
    assert.equal(p.custom, order.custom, at('custom survives the wire'));
    assert.equal(p.out_order_id, order.outOrderId, at('out_order_id survives the wire'));
    assert.equal(p.sign, sign.gatepayIo(p, KEYS.io), at(JSON.stringify(order)));
  }
});

test('GatePay: random orders verify under the independent HMAC-SHA512 rule', () => {
  for (let i = 0; i < CASES; i++) {
    const order = {
      merchantTradeNo: charset(`${ALNUM}_-`, 5, 32),
      env: { terminalType: pick(['WEB', 'APP', 'MINIAPP', 'WAP', 'OTHERS']) },
      currency: pick(['USDT', 'GT', 'BTC']),
      orderAmount: decimal(),
      goods: { goodsName: unicode(1, 100), goodsDetail: unicode(0, 500) },
    };
    const ts = int(1.6e12, 1.9e12);
    const nonce = charset(ALNUM, 1, 32);
    const unsigned = w.buildOrder('gatepay', order, { baseUrl: 'https://openplatform.gateapi.io', clientId: 'c' });
    normalises('gatepay', order, unsigned);
    const signed = w.signRequest('gatepay', unsigned, { secretKey: KEYS.gp }, { timestamp: ts, nonce });
    const back = JSON.parse(signed.body);
    assert.equal(back.goods.goodsName, order.goods.goodsName, at('goodsName survives JSON'));
    assert.equal(signed.headers['X-GatePay-Signature'], sign.gatepay(String(ts), nonce, signed.body, KEYS.gp), at(JSON.stringify(order)));
  }
});

test('易码付: random orders verify under the independent sorted-md5 rule', () => {
  for (let i = 0; i < CASES; i++) {
    const payType = pick([20, 21, 22, 30, 31, 40, 50]);
    const order = {
      outTradeNo: charset(`${ALNUM}_-*`, 1, 32),
      payType,
      description: unicode(1, 128),
      amount: int(1, 2 ** 40),
      clientIp: pick([`${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`, '2001:db8::1']),
      notifyUrl: `https://shop.example/notify/${charset(ALNUM, 1, 40)}`,
      timeExpire: int(1, 21600),
      attach: r() < 0.3 ? '' : JSON.stringify({ note: unicode(0, 40), n: int(0, 1e6) }),
      split: int(0, 1),
      openid: payType === 22 || r() < 0.2 ? charset(ALNUM, 28, 28) : undefined,
    };
    const unsigned = w.buildOrder('yimafu', order, { baseUrl: 'https://ymf.example', appId: `app_${charset(ALNUM, 5, 20)}` });
    normalises('yimafu', order, unsigned);
    const signed = w.signRequest('yimafu', unsigned, { key: KEYS.ymf });
    const p = Object.fromEntries(new URLSearchParams(signed.body));
    assert.equal(p.description, order.description, at('description survives the wire'));
    assert.equal('attach' in p, order.attach !== '', at('empty parameters stay off the wire'));
    assert.equal(p.sign, sign.yimafu(p, KEYS.ymf), at(JSON.stringify(order)));
  }
});
