// The sandbox gateway: the three create-order endpoints as their specs describe
// them, each verifying signatures with its own implementation in Node's crypto
// (never qrcheckout's), a pay page per order, and signed notifications back to
// the merchant. Switching a base URL to the real gateway is the only change.
import { createServer } from 'node:http';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import QRCode from 'qrcode';

const md5 = (s) => createHash('md5').update(s, 'utf8').digest('hex');
const hmac512 = (key, s) => createHmac('sha512', Buffer.from(key, 'utf8')).update(s, 'utf8').digest('hex');
const same = (a, b) =>
  typeof a === 'string' && a.length === b.length && timingSafeEqual(Buffer.from(a.toLowerCase()), Buffer.from(b.toLowerCase()));

// SIGNING.md, restated independently.
export const sign = {
  gatepayIo: (p, secret) => md5(md5(`${p.appkey}${p.product_id}${p.product_num}${p.pay_type}${p.out_order_id}${p.custom}`) + secret),
  gatepayIoNotify: (p, secret) =>
    md5(md5(`${p.appkey}${p.order_id}${p.out_order_id}${p.price}${p.realprice}${p.type}${p.paytime}${p.extend}`) + secret),
  gatepay: (ts, nonce, body, key) => hmac512(key, `${ts}\n${nonce}\n${body}\n`),
  yimafu: (p, key) => {
    const s = Object.keys(p)
      .filter((k) => k !== 'sign' && p[k] !== '' && p[k] != null)
      .sort()
      .map((k) => `${k}=${p[k]}`)
      .join('&');
    return md5(`${s}&key=${key}`).toUpperCase();
  },
};

/** What each gateway expects the merchant to answer once its notification is handled. */
export const ACKNOWLEDGEMENTS = {
  'gatepay-io': 'success',
  gatepay: '{"returnCode":"SUCCESS","returnMessage":""}',
  yimafu: '{"code":"SUCCESS","message":"OK"}',
};

export const DEFAULTS = {
  gatepayIo: { appkey: 'ak_sandbox', appsecret: 'sk_sandbox_secret', products: { 1024: '29.90', 2048: '9.90', 4096: '1.21' } },
  gatepay: { clientId: 'sandbox-client', secretKey: 'sandbox_secret_key_0123456789' },
  yimafu: { appId: 'app_sandbox', key: 'sandboxkey0123456789abcdef012345' },
};

const form = (text) => Object.fromEntries(new URLSearchParams(text));
const encodeForm = (o) => new URLSearchParams(o).toString();

/**
 * `options`: `{ port, host, merchantBase }` — `merchantBase` is where gatepay.io and
 * GatePay notifications go (their notify URLs live in the merchant dashboard);
 * 易码付 uses each order's notify_url.
 */
export async function startSandbox({
  port = 8788,
  host = '127.0.0.1',
  merchantBase = 'http://127.0.0.1:8787',
  credentials = DEFAULTS,
} = {}) {
  const orders = new Map();
  const gatepayTradeNos = new Set();
  let fault = { mode: 'none', remaining: 0 };
  let seq = 0;
  let lastCreated = null;
  const base = () => `http://${host}:${server.address().port}`;

  function newOrder(gateway, fields) {
    const id = `${gateway}-${Date.now().toString(36)}-${(++seq).toString(36)}${randomBytes(3).toString('hex')}`;
    const order = { id, gateway, state: 'pending', createdAt: Date.now(), ...fields };
    orders.set(id, order);
    lastCreated = order;
    return order;
  }

  const payLink = (order) => `${base()}/pay/${order.id}`;

  async function gatepayIoCreate(body) {
    const p = form(body);
    const c = credentials.gatepayIo;
    const err = (code, msg) => ({ code, msg, time: String(Math.floor(Date.now() / 1000)), data: null });
    for (const k of ['appkey', 'product_id', 'out_order_id', 'product_num', 'pay_type', 'custom', 'sign'])
      if (!(k in p) || (k !== 'custom' && p[k] === '')) return err(101, '参数不完整');
    if (!['wechat', 'alipay', 'onecode'].includes(p.pay_type)) return err(102, '无效的支付类型');
    if (p.pay_type === 'wechat' && p.product_num !== '1') return err(103, '微信支付只能单件购买');
    if (!/^[1-9]\d*$/.test(p.product_id)) return err(104, '产品编号不合法');
    if (!/^[1-9]\d*$/.test(p.product_num)) return err(105, '购买数量需要大于0');
    const unit = c.products[p.product_id];
    if (!unit) return err(106, '产品信息不存在');
    if (p.appkey !== c.appkey) return err(108, '无效的秘钥');
    if (!same(p.sign, sign.gatepayIo(p, c.appsecret))) return err(109, '签名失败');
    const [yuan, cents = ''] = unit.split('.');
    const fen = (Number(yuan) * 100 + Number(cents.padEnd(2, '0'))) * Number(p.product_num); // integer fen, the sandbox's own price book
    const price = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
    const order = newOrder('gatepay-io', { merchantOrderId: p.out_order_id, amount: price, payType: p.pay_type, extend: p.custom });
    const link = payLink(order);
    return {
      code: 100,
      msg: '请求成功',
      time: String(Math.floor(Date.now() / 1000)),
      // order_price is a JSON number, as in the spec's example.
      data: {
        order_type: p.pay_type,
        order_price: '__PRICE__',
        order_url: link,
        order_qrcode: await QRCode.toDataURL(link, { margin: 4, scale: 6 }),
      },
      __price: price,
    };
  }

  function gatepayCreate(headers, body) {
    const c = credentials.gatepay;
    const fail = (code, label, errorMessage) => ({ status: 'FAIL', code, label, errorMessage, data: null });
    if (!(headers['content-type'] || '').startsWith('application/json'))
      return fail('400007', 'INVALID_MEDIA_TYPE', 'media type not supported');
    if (headers['x-gatepay-certificate-clientid'] !== c.clientId) return fail('400004', 'INVALID_KEY', 'invalid client id');
    const ts = headers['x-gatepay-timestamp'];
    if (!/^\d+$/.test(ts || '') || Math.abs(Date.now() - Number(ts)) > 5 * 60 * 1000)
      return fail('400003', 'INVALID_TIMESTAMP', 'timestamp out of range');
    const nonce = headers['x-gatepay-nonce'];
    if (!/^[A-Za-z0-9]{1,32}$/.test(nonce || '')) return fail('400020', 'INVALID_NONCE', 'invalid nonce');
    if (!same(headers['x-gatepay-signature'] || '', sign.gatepay(ts, nonce, body, c.secretKey)))
      return fail('400002', 'INVALID_SIGNATURE', 'Incorrect signature result');
    let o;
    try {
      o = JSON.parse(body);
    } catch {
      return fail('400001', 'INVALID_REQUEST', 'request format error');
    }
    if (!/^[A-Za-z0-9_-]{5,32}$/.test(o.merchantTradeNo || '') || !/^\d+(\.\d{1,2})?$/.test(o.orderAmount || ''))
      return fail('400001', 'INVALID_REQUEST', 'request format error');
    if (!['USDT', 'GT', 'BTC', 'ETH'].includes(o.currency)) return fail('400205', 'INVALID_CURRENCY', 'currency not supported');
    if (gatepayTradeNos.has(o.merchantTradeNo)) return fail('400201', 'ORDER_EXISTS', 'duplicate merchantTradeNo');
    gatepayTradeNos.add(o.merchantTradeNo);
    const order = newOrder('gatepay', {
      merchantOrderId: o.merchantTradeNo,
      amount: o.orderAmount,
      currency: o.currency,
      payType: o.env?.terminalType,
      returnUrl: o.returnUrl,
      cancelUrl: o.cancelUrl,
    });
    const expireTime = o.orderExpireTime ?? Date.now() + 3600 * 1000;
    const data = {
      prepayId: `GP${order.id.replace(/[^A-Za-z0-9]/g, '')}`,
      terminalType: o.env?.terminalType,
      expireTime,
      qrContent: payLink(order),
      location: payLink(order),
    };
    order.prepayId = data.prepayId;
    // The live envelope, with data as a JSON string as the live service sometimes sends it.
    return { status: 'SUCCESS', code: '000000', label: '', errorMessage: '', data: JSON.stringify(data) };
  }

  function yimafuCreate(body) {
    const c = credentials.yimafu;
    const p = form(body);
    const fail = (message) => ({ resultCode: 201, message });
    for (const k of ['app_id', 'out_trade_no', 'pay_type', 'description', 'amount', 'client_ip', 'notify_url', 'sign'])
      if (!p[k]) return fail(`${k}不能为空`);
    if (p.app_id !== c.appId) return fail('app_id错误或不存在');
    if (!same(p.sign, sign.yimafu(p, c.key))) return fail('签名错误');
    if (!/^[1-9]\d*$/.test(p.amount)) return fail('金额错误');
    if (!['20', '21', '22', '30', '31', '40', '50'].includes(p.pay_type)) return fail('支付方式错误');
    if (p.pay_type === '22' && !p.openid) return fail('openid不能为空');
    const order = newOrder('yimafu', {
      merchantOrderId: p.out_trade_no,
      amountFen: p.amount,
      notifyUrl: p.notify_url,
      description: p.description,
      attach: p.attach ?? '',
      payType: p.pay_type,
    });
    const kind = { 20: 'wx_qr', 21: 'wx_app', 22: 'wx_jsapi', 30: 'alipay_qr', 31: 'alipay_app', 40: 'quick_qr', 50: 'wx_h5' }[p.pay_type];
    order.channel = kind;
    const credential = {
      appId: 'wx_sandbox',
      timeStamp: String(Math.floor(Date.now() / 1000)),
      nonceStr: randomBytes(8).toString('hex'),
      package: `prepay_id=${order.id}`,
      signType: 'RSA',
      paySign: 'sandbox',
      payUrl: payLink(order),
    };
    const bodyOut = kind.endsWith('_qr') || kind === 'wx_h5' ? payLink(order) : JSON.stringify(credential);
    return {
      resultCode: 200,
      message: '成功',
      Data: { out_trade_no: p.out_trade_no, trade_no: `YMF${order.id.replace(/[^A-Za-z0-9]/g, '')}`, channel: kind, body: bodyOut },
    };
  }

  /** The gateway's signed notification for a paid order. */
  function notification(order) {
    const paytime = Math.floor(Date.now() / 1000);
    if (order.gateway === 'gatepay-io') {
      const c = credentials.gatepayIo;
      const p = {
        appkey: c.appkey,
        order_id: order.id,
        out_order_id: order.merchantOrderId,
        price: order.amount,
        realprice: order.amount,
        type: order.payType,
        paytime: String(paytime),
        extend: order.extend,
      };
      return {
        url: `${merchantBase}/notify/gatepay-io`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeForm({ ...p, sign: sign.gatepayIoNotify(p, c.appsecret) }),
      };
    }
    if (order.gateway === 'gatepay') {
      const c = credentials.gatepay;
      const data = JSON.stringify({
        merchantTradeNo: order.merchantOrderId,
        prepayId: order.prepayId,
        currency: order.currency,
        orderAmount: order.amount,
        totalFee: order.amount,
        payerId: 10001,
        transactionId: `T${order.id}`,
        createTime: order.createdAt,
      });
      const body = JSON.stringify({ bizType: 'PAY', bizId: `B${order.id}`, bizStatus: 'PAY_SUCCESS', client_id: c.clientId, data });
      const ts = String(Date.now());
      const nonce = randomBytes(12).toString('hex');
      return {
        url: `${merchantBase}/notify/gatepay`,
        headers: {
          'content-type': 'application/json',
          'X-GatePay-Timestamp': ts,
          'X-GatePay-Nonce': nonce,
          'X-GatePay-Signature': sign.gatepay(ts, nonce, body, c.secretKey),
        },
        body,
      };
    }
    const c = credentials.yimafu;
    const p = {
      app_id: c.appId,
      out_trade_no: order.merchantOrderId,
      trade_no: `YMF${order.id.replace(/[^A-Za-z0-9]/g, '')}`,
      channel: order.channel,
      amount: order.amountFen,
      true_amount: order.amountFen,
      pay_time: new Date().toISOString().slice(0, 19).replace('T', ' '),
      description: order.description,
      attach: order.attach,
      trade_state: 'success',
    };
    return {
      url: order.notifyUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encodeForm({ ...p, sign: sign.yimafu(p, c.key) }),
    };
  }

  async function pay(order) {
    const n = notification(order);
    order.state = 'paid';
    order.lastNotification = n;
    const res = await fetch(n.url, { method: 'POST', headers: n.headers, body: n.body, signal: AbortSignal.timeout(5000) });
    order.notifyStatus = res.status;
    order.notifyReply = await res.text();
    return order;
  }

  const payPage = (
    order,
    note = '',
  ) => `<!doctype html><html lang="zh"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sandbox pay · ${order.id}</title>
<style>body{font:16px system-ui;max-width:28rem;margin:2rem auto;padding:0 1rem}button{font-size:1.2rem;padding:.6rem 1.4rem}</style>
<h1>Sandbox ${order.gateway}</h1>
<p>Order <code>${order.merchantOrderId}</code> ·
${order.amount ?? (Number(order.amountFen) / 100).toFixed(2)} ${order.currency ?? 'CNY'}</p>
<p id="state">State: <b>${order.state}</b> ${note}</p>
${order.state === 'pending' ? `<form method="post"><button id="pay" type="submit">Pay 支付</button></form>` : ''}</html>`;

  const send = (res, status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  // A reply that never ends (a misrouted download, a broken proxy): JSON-looking bytes until the
  // client hangs up, 256 MB at most.
  const endless = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    const more = () => {
      while (sent < 256 * 1024 * 1024 && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end();
    };
    res.write('{"code":100,"msg":"');
    more();
  };

  // A small compressed reply that inflates to 8 MB: its Content-Length is the compressed size, which says
  // nothing about what a client that decodes it (as fetch does) ends up reading.
  const inflating = (res) => {
    const body = gzipSync(Buffer.concat([Buffer.from('{"code":100,"msg":"'), Buffer.alloc(8 * 1024 * 1024, ' ')]));
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
    res.end(body);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://sandbox');
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      if (url.pathname === '/__sandbox/fault' && req.method === 'POST') {
        const f = JSON.parse(body || '{}');
        fault = { mode: f.mode ?? 'none', remaining: f.count ?? Infinity, hangMs: f.hangMs ?? 30000 };
        return send(res, 200, 'application/json', JSON.stringify(fault));
      }
      if (url.pathname === '/__sandbox/orders') return send(res, 200, 'application/json', JSON.stringify([...orders.values()]));
      const create = { '/api/pay/create': 'gatepay-io', '/v1/pay/order': 'gatepay', '/v1/transactions/order.html': 'yimafu' }[url.pathname];
      if (create && req.method === 'POST') {
        // `notify-first`: the order is paid and its notification delivered before
        // the create-order reply leaves (a fast payer, a slow network).
        const notifyFirst = fault.mode === 'notify-first' && fault.remaining > 0;
        if (fault.mode !== 'none' && fault.remaining > 0) {
          fault.remaining -= 1;
          if (fault.mode === '500') return send(res, 500, 'text/plain', 'Internal Server Error');
          if (fault.mode === 'reset') return req.socket.destroy(); // the connection drops, no answer
          if (fault.mode === 'html') return send(res, 200, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>');
          if (fault.mode === 'truncated') return send(res, 200, 'application/json', '{"code":100,"data":{"order_u');
          if (fault.mode === 'endless') return endless(res);
          if (fault.mode === 'inflating') return inflating(res);
          if (fault.mode === 'hang') {
            await new Promise((r) => setTimeout(r, fault.hangMs));
            return send(res, 500, 'text/plain', 'late');
          }
          // notify-first falls through to a normal reply.
        }
        lastCreated = null;
        let status = 200;
        let text;
        if (create === 'gatepay-io') {
          const out = await gatepayIoCreate(body);
          const price = out.__price;
          delete out.__price;
          text = JSON.stringify(out).replace('"__PRICE__"', price ?? 'null');
        } else if (create === 'gatepay') {
          const out = gatepayCreate(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v])), body);
          status = out.status === 'SUCCESS' ? 200 : 400;
          text = JSON.stringify(out);
        } else {
          text = JSON.stringify(yimafuCreate(body));
        }
        if (notifyFirst && lastCreated) await pay(lastCreated);
        return send(res, status, 'application/json', text);
      }
      const payMatch = url.pathname.match(/^\/pay\/([\w-]+)$/);
      if (payMatch) {
        const order = orders.get(payMatch[1]);
        if (!order) return send(res, 404, 'text/html; charset=utf-8', '<h1>No such order</h1>');
        if (req.method === 'POST' && order.state === 'pending') {
          await pay(order);
          return send(res, 200, 'text/html; charset=utf-8', payPage(order, `(merchant answered HTTP ${order.notifyStatus})`));
        }
        return send(res, 200, 'text/html; charset=utf-8', payPage(order));
      }
      send(res, 404, 'text/plain', 'not found');
    } catch (e) {
      send(res, 500, 'text/plain', `sandbox error: ${e.message}`);
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    server,
    url: base(),
    orders,
    pay: async (id) => pay(orders.get(id)),
    notification: (id) => notification(orders.get(id)),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(r);
      }),
  };
}

// `node sandbox/gateway.mjs` runs it alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startSandbox({
    port: Number(process.env.SANDBOX_PORT || 8788),
    merchantBase: process.env.MERCHANT_BASE || 'http://127.0.0.1:8787',
  });
  console.log(`sandbox gateway on ${s.url}`);
}
