// The whole checkout worker a shop would write by hand instead of using qrcheckout:
// the same routes for the three gateways (catalog, checkout, notify, order status),
// the plain-JS pricing, signing and parsing of ./edge.js, and one Durable Object per
// order with the same two commits (write-ahead, then settle). No rate limiter and no
// ledger, which a hand-written worker would not have either. Used only by `make bench`.
import { DurableObject } from 'cloudflare:workers';
import catalog from '../../worker/catalog.js';
import * as ref from './edge.js';

const EXPIRY_MS = 15 * 60 * 1000;
const WINDOW_MS = 5 * 60 * 1000;
const ABC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const random = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => ABC[b % ABC.length]).join('');
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const shopOf = (env) => ({ catalog, env, publicBaseUrl: env.PUBLIC_BASE_URL, expiryMs: EXPIRY_MS });
const configured = (env) => ({
  'gatepay-io': !!env.GATEPAY_IO_APPSECRET,
  gatepay: !!env.GATEPAY_SECRET_KEY,
  yimafu: !!env.YIMAFU_KEY,
});

export class CheckoutOrder extends DurableObject {
  async begin(order) {
    if (await this.ctx.storage.get('order')) return false;
    await this.ctx.storage.put('order', order);
    return true;
  }

  async settle(order) {
    await this.ctx.storage.put('order', order);
  }

  async get() {
    return (await this.ctx.storage.get('order')) ?? null;
  }

  /** Verify and apply in the order's object, so two deliveries cannot interleave. */
  async notify(gateway, incoming, now) {
    const order = await this.ctx.storage.get('order');
    if (!order) return { status: 404 };
    const next = await ref.notify(shopOf(this.env), gateway, incoming, order, now, WINDOW_MS);
    await this.ctx.storage.put('order', next);
    return { status: 200 };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const orders = env.ORDERS;
    try {
      if (url.pathname === '/catalog') {
        const on = configured(env);
        return json(200, { products: catalog.map((p) => ({ ...p, offers: p.offers.filter((o) => on[o.gateway]) })) });
      }
      if (url.pathname === '/checkout' && request.method === 'POST') {
        const body = await request.json();
        const choice = { ...body, clientIp: request.headers.get('cf-connecting-ip') ?? env.CLIENT_IP_FALLBACK };
        const now = Date.now();
        const { order, request: signed } = await ref.checkout(shopOf(env), choice, now, `QC${random(18)}`, random(32));
        const stub = orders.get(orders.idFromName(order.merchantOrderId));
        await stub.begin(order);
        const res = await fetch(signed.url, { method: signed.method, headers: signed.headers, body: signed.body });
        const next = ref.open(order, res.status, await res.text());
        await stub.settle(next);
        const { merchantOrderId, state, amount, currency, expiresAt } = next;
        return json(200, { payment: next.payment, order: { merchantOrderId, state, amount, currency, expiresAt } });
      }
      const notify = url.pathname.match(/^\/notify\/([a-z-]+)$/);
      if (notify && request.method === 'POST') {
        const gateway = notify[1];
        const body = await request.text();
        const headers = Object.fromEntries(request.headers);
        // The order id is read before verification only to find its object; the object verifies.
        const p = gateway === 'gatepay' ? JSON.parse(JSON.parse(body).data) : Object.fromEntries(new URLSearchParams(body));
        const id = p.merchantTradeNo ?? p.out_order_id ?? p.out_trade_no;
        const { status } = await orders.get(orders.idFromName(id)).notify(gateway, { headers, body }, Date.now());
        if (status !== 200) return json(status, { error: 'unknown order' });
        if (gateway === 'gatepay') return json(200, { returnCode: 'SUCCESS', returnMessage: '' });
        return gateway === 'yimafu' ? json(200, { code: 'SUCCESS', message: 'OK' }) : new Response('success');
      }
      const status = url.pathname.match(/^\/orders\/([A-Za-z0-9]{5,32})$/);
      if (status) {
        const order = await orders.get(orders.idFromName(status[1])).get();
        return order ? json(200, order) : json(404, { error: 'unknown order' });
      }
      return json(404, { error: 'no such route' });
    } catch (e) {
      return json(e.code ? 400 : 500, { error: e.code ?? 'internal_error', message: e.message });
    }
  },
};
