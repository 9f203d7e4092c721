// Runs inside workerd for bench/run.mjs: the edge checkout's CPU path and the
// notification path, ours (the calls pkg/handler.js and pkg/orders.js make, in
// that order) against the plain-JS reference (bench/reference/edge.js), for each
// gateway. The gateway's reply and the notifications are canned; everything else
// runs for real. `/check` first proves both sides write the same requests.
import wasm from '../pkg/worker/qrcheckout_bg.wasm';
import * as q from '../pkg/worker.js';
import catalog from '../worker/catalog.js';
import * as ref from './reference/edge.js';
import { applyTo, settleWith } from '../pkg/orders.js';

q.init(wasm);

const NOW = 1700000000000;
const ENV = {
  PUBLIC_BASE_URL: 'https://shop.example',
  GATEPAY_IO_BASE_URL: 'https://gatepay.io',
  GATEPAY_IO_APPKEY: 'ak_bench',
  GATEPAY_IO_APPSECRET: 'sk_bench_secret',
  GATEPAY_BASE_URL: 'https://openplatform.gateapi.io',
  GATEPAY_CLIENT_ID: 'bench-client',
  GATEPAY_SECRET_KEY: 'bench_secret_key_0123456789',
  YIMAFU_BASE_URL: 'https://ymf.example',
  YIMAFU_APP_ID: 'app_bench',
  YIMAFU_KEY: 'benchkey0123456789abcdef0123456',
};
const shop = { catalog, env: ENV, publicBaseUrl: ENV.PUBLIC_BASE_URL, expiryMs: 15 * 60 * 1000 };
const REQ = {
  'gatepay-io': { gateway: 'gatepay-io', payType: 'alipay', sku: 'longjing-250g', quantity: 1 },
  gatepay: { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t', quantity: 1 },
  yimafu: { gateway: 'yimafu', payType: '30', sku: 'longjing-250g', quantity: 1, clientIp: '203.0.113.7' },
};
const REPLY = {
  // order_price is a JSON number with its trailing zero, as the spec's example writes it.
  'gatepay-io': () =>
    '{"code":100,"msg":"请求成功","time":"1700000000","data":{"order_type":"alipay","order_price":29.90,' +
    '"order_url":"https://gatepay.io/pay/index?id=5cbadd67774f8&type=alipay"}}',
  gatepay: () =>
    JSON.stringify({
      status: 'SUCCESS',
      code: '000000',
      label: '',
      errorMessage: '',
      data: JSON.stringify({ prepayId: 'GP1', terminalType: 'WEB', expireTime: NOW + 900000, qrContent: 'https://pay.gate.io/qr/GP1' }),
    }),
  yimafu: (id) =>
    JSON.stringify({
      resultCode: 200,
      message: '成功',
      Data: { out_trade_no: id, trade_no: 'YMF1', channel: 'alipay_qr', body: 'https://qr.alipay.com/bax04775wixee8ieymjz00d8' },
    }),
};
const ID = 'QC1700000000000abcdefghij';
const nonce = (i) => `n${String(i).padStart(31, '0')}`;

/** Ours, exactly as the worker runs it: the handler's one call (price, plan, sign), then the order object's (read the reply, open). */
const SHOP = new q.Shop(catalog, ENV);
const checkoutText = (gw, i) => SHOP.checkout(JSON.stringify(REQ[gw]), undefined, NOW, 'abcdefghij', undefined, nonce(i));
function oursCheckout(gw, i) {
  const { order, request } = JSON.parse(checkoutText(gw, i));
  return { signed: request, order: settleWith(order, 200, REPLY[gw](order.merchantOrderId)) };
}
/** The handler verifies (one call), the order's object applies (one call). */
const verified = (gw) => {
  const { headers, body, query } = incoming[gw];
  return SHOP.verifyNotify(gw, JSON.stringify(headers), body, query, NOW, 300000);
};
function oursNotify(gw, order) {
  const text = verified(gw);
  // As the handler does: it reads the order id to find the order's object, which gets the text.
  if (!JSON.parse(text).merchantOrderId) throw new Error('no order id');
  return applyTo(order, text, NOW);
}
async function refCheckout(gw, i) {
  const id = `QC${NOW.toString(36).padStart(8, '0')}abcdefghij`.toUpperCase();
  const { order, request } = await ref.checkout(shop, REQ[gw], NOW, id, nonce(i));
  return { signed: request, order: ref.open(order, 200, REPLY[gw](id)) };
}

// Notifications for order ID, signed by the reference's own signers (WebCrypto).
async function notifications() {
  const io = {
    appkey: ENV.GATEPAY_IO_APPKEY,
    order_id: 'GIO1',
    out_order_id: ID,
    price: '29.90',
    realprice: '29.90',
    type: 'alipay',
    paytime: String(NOW / 1000),
    extend: '',
  };
  io.sign = await ref.gatepayIoNotifySign(io, ENV.GATEPAY_IO_APPSECRET);
  const data = JSON.stringify({
    merchantTradeNo: ID,
    prepayId: 'GP1',
    currency: 'USDT',
    orderAmount: '1.21',
    totalFee: '1.21',
    payerId: 10001,
    transactionId: 'T1',
    createTime: NOW,
  });
  const gpBody = JSON.stringify({ bizType: 'PAY', bizId: 'B1', bizStatus: 'PAY_SUCCESS', client_id: ENV.GATEPAY_CLIENT_ID, data });
  const gpSig = await ref.hmac512(ENV.GATEPAY_SECRET_KEY, `${NOW}\nnonce1\n${gpBody}\n`);
  const y = {
    app_id: ENV.YIMAFU_APP_ID,
    out_trade_no: ID,
    trade_no: 'YMF1',
    channel: 'alipay_qr',
    amount: '2990',
    true_amount: '2990',
    pay_time: '2023-11-14 22:13:20',
    description: '龙井茶 Longjing tea 250g',
    attach: '',
    trade_state: 'success',
  };
  y.sign = await ref.yimafuSign(ref.yimafuPairs(y), ENV.YIMAFU_KEY);
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  return {
    'gatepay-io': { headers: formHeaders, body: new URLSearchParams(io).toString(), query: '' },
    gatepay: {
      headers: {
        'content-type': 'application/json',
        'x-gatepay-timestamp': String(NOW),
        'x-gatepay-nonce': 'nonce1',
        'x-gatepay-signature': gpSig,
      },
      body: gpBody,
      query: '',
    },
    yimafu: { headers: formHeaders, body: new URLSearchParams(y).toString(), query: '' },
  };
}
let incoming;
function pending(gw) {
  const plan = q.planCheckout(catalog, q.merchantFromEnv(ENV), REQ[gw], NOW, ID);
  return q.openOrder(q.creatingOrder(plan), q.paymentFor(plan, 200, REPLY[gw](ID)));
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') || 1);
    const gw = url.searchParams.get('gw');
    incoming ??= await notifications();
    let sink = 0;
    if (url.pathname === '/check') {
      // Same requests byte for byte, same opened orders, same verdicts on the notifications.
      const out = {};
      for (const g of Object.keys(REQ)) {
        const [a, b] = [oursCheckout(g, 7), await refCheckout(g, 7)];
        const ok =
          a.signed.body === b.signed.body &&
          a.signed.signature === b.signed.signature &&
          a.order.state === b.order.state &&
          a.order.amount === b.order.amount;
        const order = pending(g);
        const t = oursNotify(g, order);
        const r = await ref.notify(shop, g, incoming[g], order, NOW, 300000);
        out[g] = ok && t.order.state === 'paid' && r.state === 'paid' ? 'same' : { ours: a, ref: b, t, r };
      }
      const same = Object.values(out).every((v) => v === 'same');
      return new Response(JSON.stringify(out), { status: same ? 200 : 500 });
    }
    if (url.pathname === '/steps') {
      const k = Number(url.searchParams.get('k'));
      const { order: record } = JSON.parse(checkoutText(gw, 1));
      const reply = REPLY[gw](record.merchantOrderId);
      const order = pending(gw);
      const notification = verified(gw);
      const steps = [
        () => checkoutText(gw, 1),
        () => JSON.parse(checkoutText(gw, 1)),
        () => settleWith(record, 200, reply),
        () => verified(gw),
        () => JSON.parse(verified(gw)),
        () => applyTo(order, notification, NOW),
        () => JSON.stringify(incoming[gw].headers),
      ];
      for (let i = 0; i < n; i++) sink += steps[k]() ? 1 : 0;
    }
    if (url.pathname === '/checkout/ours') for (let i = 0; i < n; i++) sink += oursCheckout(gw, i).signed.body.length;
    else if (url.pathname === '/checkout/ref') for (let i = 0; i < n; i++) sink += (await refCheckout(gw, i)).signed.body.length;
    else if (url.pathname === '/notify/ours' || url.pathname === '/notify/ref') {
      const order = pending(gw);
      if (url.pathname === '/notify/ours') for (let i = 0; i < n; i++) sink += oursNotify(gw, order).order.state.length;
      else for (let i = 0; i < n; i++) sink += (await ref.notify(shop, gw, incoming[gw], order, NOW, 300000)).state.length;
    }
    return new Response(String(sink));
  },
};
