// The edge checkout a shop would write by hand instead of using qrcheckout's
// worker build: plain JS, WebCrypto HMAC-SHA512 for GatePay, workerd's
// crypto.subtle.digest('MD5') for gatepay.io and 易码付. Same catalog, same
// requests byte for byte (bench/worker-bench.js checks), same order records.
// Money stays in integer fen, as it must. Used only by `make bench`.
const enc = new TextEncoder();
const hex = (buf) => {
  let s = '';
  for (const b of new Uint8Array(buf)) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
};
const md5 = async (text) => hex(await crypto.subtle.digest('MD5', enc.encode(text)));
const hmacKeys = new Map();
export const hmac512 = async (secret, text) => {
  let key = hmacKeys.get(secret);
  if (!key)
    hmacKeys.set(
      secret,
      (key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign'])),
    );
  return hex(await crypto.subtle.sign('HMAC', key, enc.encode(text)));
};
/** 易码付's rule: the non-empty parameters but `sign`, sorted by name. */
export const yimafuPairs = (p) =>
  Object.entries(p)
    .filter(([k, v]) => k !== 'sign' && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : 1));
/** 易码付: uppercase MD5 over `k=v&…&key=`. */
export const yimafuSign = async (pairs, key) => (await md5(`${pairs.map(([k, v]) => `${k}=${v}`).join('&')}&key=${key}`)).toUpperCase();
/** gatepay.io's notification rule. */
export const gatepayIoNotifySign = async (p, secret) =>
  md5((await md5(p.appkey + p.order_id + p.out_order_id + p.price + p.realprice + p.type + p.paytime + p.extend)) + secret);

const toFen = (text) => {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new Error(`bad amount ${text}`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
};
const fromFen = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const form = (pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, '+')}`).join('&');
const fail = (code, message) => Object.assign(new Error(message), { code });

/** Prices the choice and writes the signed request. `shop`: { catalog, env, publicBaseUrl, expiryMs }. */
export async function checkout(shop, req, now, id, nonce) {
  const product = shop.catalog.find((p) => p.sku === req.sku);
  if (!product) throw fail('invalid_field', 'unknown sku');
  const offer = product.offers.find((o) => o.gateway === req.gateway);
  if (!offer) throw fail('invalid_field', 'gateway not offered');
  if (!offer.payTypes.includes(req.payType)) throw fail('invalid_pay_type', 'pay type not offered');
  const quantity = Number(req.quantity ?? 1);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) throw fail('invalid_quantity', 'quantity');
  const fen = toFen(product.price) * quantity;
  const expiresAt = now + shop.expiryMs;
  const env = shop.env;
  const custom = JSON.stringify({ qty: quantity, sku: product.sku });
  let request;
  if (req.gateway === 'gatepay-io') {
    if (req.payType === 'wechat' && quantity !== 1) throw fail('wechat_single_item', 'wechat: one item');
    const p = {
      appkey: env.GATEPAY_IO_APPKEY,
      product_id: String(offer.productId),
      out_order_id: id,
      product_num: String(quantity),
      pay_type: req.payType,
      custom,
    };
    const sign = await md5(
      (await md5(p.appkey + p.product_id + p.product_num + p.pay_type + p.out_order_id + p.custom)) + env.GATEPAY_IO_APPSECRET,
    );
    request = {
      method: 'POST',
      url: `${env.GATEPAY_IO_BASE_URL}/api/pay/create`,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: form([...Object.entries(p), ['sign', sign]]),
      signature: sign,
    };
  } else if (req.gateway === 'gatepay') {
    const body = JSON.stringify({
      merchantTradeNo: id,
      env: { terminalType: req.payType },
      currency: product.currency,
      orderAmount: fromFen(fen),
      goods: { goodsName: product.name, goodsDetail: `${product.sku} × ${quantity}` },
      orderExpireTime: expiresAt,
    });
    const signature = await hmac512(env.GATEPAY_SECRET_KEY, `${now}\n${nonce}\n${body}\n`);
    request = {
      method: 'POST',
      url: `${env.GATEPAY_BASE_URL}/v1/pay/order`,
      headers: {
        'X-GatePay-Certificate-ClientId': env.GATEPAY_CLIENT_ID,
        'X-GatePay-Nonce': nonce,
        'X-GatePay-Signature': signature,
        'X-GatePay-Timestamp': String(now),
        'content-type': 'application/json',
      },
      body,
      signature,
    };
  } else {
    const p = {
      amount: String(fen),
      app_id: env.YIMAFU_APP_ID,
      attach: custom,
      client_ip: req.clientIp,
      description: product.name,
      notify_url: `${shop.publicBaseUrl}/notify/yimafu`,
      out_trade_no: id,
      pay_type: req.payType,
      time_expire: String(shop.expiryMs / 60000),
    };
    const pairs = yimafuPairs(p);
    const sign = await yimafuSign(pairs, env.YIMAFU_KEY);
    request = {
      method: 'POST',
      url: `${env.YIMAFU_BASE_URL}/v1/transactions/order.html`,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: form([...pairs, ['sign', sign]]),
      signature: sign,
    };
  }
  const order = {
    merchantOrderId: id,
    gateway: req.gateway,
    amount: fromFen(fen),
    currency: product.currency,
    state: 'creating',
    createdAt: now,
    expiresAt,
    payment: null,
    paidAt: null,
    gatewayOrderId: null,
    notifyIds: [],
  };
  return { order, request };
}

/** The gateway's reply → the payment, and the order opened (`pending`). */
export function open(order, status, text) {
  if (status !== 200) throw fail('gateway_unavailable', `HTTP ${status}`);
  const r = JSON.parse(text);
  let payment;
  if (order.gateway === 'gatepay-io') {
    if (r.code !== 100) throw fail('gateway_rejected', r.msg);
    const d = r.data;
    const image = typeof d.order_qrcode === 'string' && /^data:image\/(png|jpeg|gif);base64,[A-Za-z0-9+/=]+$/.test(d.order_qrcode);
    const show = image ? { kind: 'qrImage', dataUrl: d.order_qrcode, link: d.order_url ?? null } : { kind: 'qr', content: d.order_url };
    payment = { gateway: order.gateway, show, amount: fromFen(toFen(String(d.order_price))), payType: d.order_type ?? null };
  } else if (order.gateway === 'gatepay') {
    if (r.status !== 'SUCCESS') throw fail('gateway_rejected', r.errorMessage);
    const d = typeof r.data === 'string' ? JSON.parse(r.data) : r.data;
    payment = { gateway: order.gateway, show: { kind: 'qr', content: d.qrContent }, gatewayOrderId: d.prepayId, expiresAt: d.expireTime };
  } else {
    if (r.resultCode !== 200) throw fail('gateway_rejected', r.message);
    const d = r.Data;
    payment = { gateway: order.gateway, show: { kind: 'qr', content: d.body }, gatewayOrderId: d.trade_no, payType: d.channel };
  }
  if (payment.amount && payment.amount !== order.amount) throw fail('amount_mismatch', 'amount');
  return { ...order, state: 'pending', payment, gatewayOrderId: payment.gatewayOrderId ?? null };
}

const same = (a, b) => {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
};

/** Verifies a notification `{ headers, body }` and applies it to the order: paid, once. */
export async function notify(shop, gateway, { headers, body }, order, now, windowMs) {
  const env = shop.env;
  let id, fen, notifyId;
  if (gateway === 'gatepay-io') {
    const p = Object.fromEntries(new URLSearchParams(body));
    const want = await gatepayIoNotifySign(p, env.GATEPAY_IO_APPSECRET);
    if (!same(want, (p.sign ?? '').toLowerCase())) throw fail('bad_signature', 'signature');
    if (Math.abs(now - Number(p.paytime) * 1000) > windowMs) throw fail('stale_timestamp', 'paytime');
    [id, fen, notifyId] = [p.out_order_id, toFen(p.realprice), p.order_id];
  } else if (gateway === 'gatepay') {
    const ts = headers['x-gatepay-timestamp'];
    const want = await hmac512(env.GATEPAY_SECRET_KEY, `${ts}\n${headers['x-gatepay-nonce']}\n${body}\n`);
    if (!same(want, (headers['x-gatepay-signature'] ?? '').toLowerCase())) throw fail('bad_signature', 'signature');
    if (Math.abs(now - Number(ts)) > windowMs) throw fail('stale_timestamp', 'timestamp');
    const n = JSON.parse(body);
    if (n.bizStatus !== 'PAY_SUCCESS') throw fail('malformed_notification', 'not paid');
    const d = JSON.parse(n.data);
    [id, fen, notifyId] = [d.merchantTradeNo, toFen(d.orderAmount), n.bizId];
  } else {
    const p = Object.fromEntries(new URLSearchParams(body));
    const want = await yimafuSign(yimafuPairs(p), env.YIMAFU_KEY);
    if (!same(want, (p.sign ?? '').toUpperCase())) throw fail('bad_signature', 'signature');
    if (p.trade_state !== 'success') throw fail('malformed_notification', 'not paid');
    [id, fen, notifyId] = [p.out_trade_no, Number(p.true_amount), p.trade_no];
  }
  if (id !== order.merchantOrderId) throw fail('unknown_order', 'order');
  if (fen !== toFen(order.amount)) throw fail('amount_mismatch', 'amount');
  if (order.state === 'paid') return order;
  return { ...order, state: 'paid', paidAt: now, notifyIds: [...order.notifyIds, notifyId] };
}
