// A ready fetch handler for workerd / Cloudflare Workers. HTTP plumbing only:
// routes, env, fetch, CORS and the store. Pricing, signing, verification, reply
// parsing and order states are decided in Rust (the worker build).
import wasm from './worker/qrcheckout_bg.wasm';
import {
  init, publicCatalog, planCheckout, signRequest, openOrder, verifyNotify, applyNotification, notifyReply, orderState,
} from './worker.js';

const MAX_BODY = 16 * 1024;
const MAX_NOTIFY_BODY = 64 * 1024;
const GATEWAYS = ['gatepay-io', 'gatepay', 'yimafu'];
// The env binding holding each gateway's secret (signRequest/verifyNotify take it as a string).
const SECRET = { 'gatepay-io': 'GATEPAY_IO_APPSECRET', gatepay: 'GATEPAY_SECRET_KEY', yimafu: 'YIMAFU_KEY' };
// Only 易码付 returns the same order for a repeated out_trade_no with identical
// parameters (WeChat-Pay-v2 semantics); the others would create a duplicate or refuse.
const RETRY_ON_NETWORK_ERROR = { 'gatepay-io': false, gatepay: false, yimafu: true };

/**
 * In-memory order store for one isolate (the demo, tests). Bounded: past
 * `maxOrders` the oldest orders are forgotten, so a long-lived isolate's memory
 * stays flat. See README for KV / Durable Objects in production.
 */
export function memoryStore({ maxOrders = 10000, maxSeen = 50000 } = {}) {
  const orders = new Map();
  const seen = new Map();
  const cap = (map, max) => { while (map.size > max) map.delete(map.keys().next().value); };
  return {
    async get(id) { return orders.get(id) ?? null; },
    async put(order) {
      orders.delete(order.merchantOrderId); // re-insert: most recently written last
      orders.set(order.merchantOrderId, order);
      cap(orders, maxOrders);
    },
    /** True when `key` was already seen within `ttlMs`; marks it seen. */
    async seen(key, ttlMs) {
      const now = Date.now();
      const until = seen.get(key);
      if (until !== undefined && until >= now) return true;
      seen.delete(key);
      seen.set(key, now + ttlMs);
      // Entries are in insertion order with one TTL, so expired ones are at the front.
      for (const [k, u] of seen) { if (u >= now) break; seen.delete(k); }
      cap(seen, maxSeen);
      return false;
    },
  };
}

async function sha256(text) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    Object.assign(this, { status, code });
  }
}

const STATUS_OF = {
  gateway_rejected: 502, gateway_unavailable: 502, malformed_response: 502,
  missing_secret: 503, bad_signature: 401, stale_timestamp: 401,
};

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

function errorBody(e) {
  return { error: { code: e.code, field: e.field ?? null, message: e.message, messageZh: e.messageZh ?? null, gatewayCode: e.gatewayCode ?? null } };
}

const alnum = (n) => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => abc[b % abc.length]).join('');
};

/** Reads the public settings from env: a gateway without its secret is disabled. */
function merchantFrom(env, config) {
  const on = (gateway, id, baseUrl, fallback) => (env[SECRET[gateway]] && env[id] ? { baseUrl: env[baseUrl] || fallback, id: env[id] } : null);
  return {
    gatepayIo: on('gatepay-io', 'GATEPAY_IO_APPKEY', 'GATEPAY_IO_BASE_URL', 'https://gatepay.io'),
    gatepay: on('gatepay', 'GATEPAY_CLIENT_ID', 'GATEPAY_BASE_URL', 'https://openplatform.gateapi.io'),
    yimafu: env.YIMAFU_BASE_URL ? on('yimafu', 'YIMAFU_APP_ID', 'YIMAFU_BASE_URL', '') : null,
    publicBaseUrl: env.PUBLIC_BASE_URL || config.publicBaseUrl || '',
    expiryMs: Number(env.ORDER_EXPIRY_MS || config.expiryMs) || undefined,
  };
}

async function readBody(request, limit) {
  const declared = Number(request.headers.get('content-length') || 0);
  if (declared > limit) throw new HttpError(413, 'body_too_large', `request body over ${limit} bytes`);
  const text = await request.text();
  if (text.length > limit) throw new HttpError(413, 'body_too_large', `request body over ${limit} bytes`);
  return text;
}

/**
 * `config`: `{ catalog, store?, fetch?, timeoutMs?, notifyWindowMs?, publicBaseUrl?, wasmModule? }`;
 * env `GATEWAY_TIMEOUT_MS`, `NOTIFY_WINDOW_MS`, `ORDER_EXPIRY_MS`, `MAX_ORDERS` override the numbers.
 * Secrets and ids come from `env` on each request (Workers pass env per call).
 */
export function createCheckoutHandler(config = {}) {
  init(config.wasmModule ?? wasm);
  // The default store is made on the first request, when env (MAX_ORDERS) is known.
  let store = config.store;
  const upstream = config.fetch ?? ((...a) => fetch(...a));
  async function callGateway(gateway, signed, timeoutMs) {
    const attempt = async () => {
      const res = await upstream(signed.url, { method: signed.method, headers: signed.headers, body: signed.body, signal: AbortSignal.timeout(timeoutMs) });
      return { status: res.status, text: await res.text() };
    };
    try {
      return await attempt();
    } catch (e) {
      const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
      if (!timedOut && RETRY_ON_NETWORK_ERROR[gateway]) {
        try { return await attempt(); } catch { /* fall through to the typed error */ }
      }
      throw timedOut
        ? new HttpError(504, 'gateway_timeout', `the gateway did not answer within ${timeoutMs} ms`)
        : new HttpError(502, 'gateway_unreachable', 'the gateway could not be reached');
    }
  }

  async function checkout(request, env) {
    if (!(request.headers.get('content-type') || '').includes('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'send application/json');
    }
    let body;
    try { body = JSON.parse(await readBody(request, MAX_BODY)); } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, 'invalid_json', 'the body is not JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid_json', 'the body must be a JSON object');
    const gateway = body.gateway;
    const checkoutRequest = {
      gateway, payType: body.payType, sku: body.sku, quantity: body.quantity, openid: body.openid, returnUrl: body.returnUrl,
      clientIp: request.headers.get('cf-connecting-ip') || undefined,
    };
    const now = Date.now();
    const plan = planCheckout(config.catalog, merchantFrom(env, config), checkoutRequest, now, alnum(10));
    const signed = signRequest(gateway, plan.unsigned, env[SECRET[gateway]], { timestamp: now, nonce: alnum(32) });
    const reply = await callGateway(gateway, signed, Number(env.GATEWAY_TIMEOUT_MS) || config.timeoutMs || 8000);
    const { payment, order } = openOrder(plan, reply.status, reply.text);
    await store.put(order);
    return json(200, { payment, order: { merchantOrderId: order.merchantOrderId, state: order.state, amount: order.amount, currency: order.currency, expiresAt: order.expiresAt } });
  }

  async function notify(request, env, gateway, url) {
    const body = request.method === 'POST' ? await readBody(request, MAX_NOTIFY_BODY) : '';
    const headers = Object.fromEntries(request.headers);
    const n = verifyNotify(gateway, { headers, body, query: url.search.slice(1) }, env[SECRET[gateway]], { now: Date.now(), windowMs: Number(env.NOTIFY_WINDOW_MS || config.notifyWindowMs) || 300000 });
    // An exact copy of a message already handled is a replay: refused, state untouched.
    const fingerprint = await sha256(`${gateway}\n${headers['x-gatepay-signature'] ?? ''}\n${headers['x-gatepay-nonce'] ?? ''}\n${body}\n${url.search}`);
    if (await store.seen(fingerprint, 24 * 3600 * 1000)) throw new HttpError(409, 'replayed_notification', 'this notification was already handled');
    const order = await store.get(n.merchantOrderId);
    if (!order) throw new HttpError(404, 'unknown_order', 'no such order');
    const { order: next, changed } = applyNotification(order, n, Date.now());
    if (changed || next.notifyIds.length !== order.notifyIds.length) await store.put(next);
    const reply = notifyReply(gateway, env.YIMAFU_NOTIFY_REPLY || undefined);
    return new Response(reply.body, { status: reply.status, headers: { 'content-type': reply.contentType } });
  }

  async function route(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === '/catalog' && request.method === 'GET') return json(200, { products: publicCatalog(config.catalog, merchantFrom(env, config)) });
    if (path === '/checkout' && request.method === 'POST') return checkout(request, env);
    const notifyMatch = path.match(/^\/notify\/([a-z-]+)$/);
    if (notifyMatch && (request.method === 'POST' || request.method === 'GET')) {
      if (!GATEWAYS.includes(notifyMatch[1])) throw new HttpError(404, 'unknown_gateway', 'no such gateway');
      return notify(request, env, notifyMatch[1], url);
    }
    const orderMatch = path.match(/^\/orders\/([A-Za-z0-9_-]{1,64})$/);
    if (orderMatch && request.method === 'GET') {
      const order = await store.get(orderMatch[1]);
      if (!order) throw new HttpError(404, 'unknown_order', 'no such order');
      const { merchantOrderId, amount, currency, expiresAt, paidAt, payment } = order;
      return json(200, { merchantOrderId, state: orderState(order, Date.now()), amount, currency, expiresAt, paidAt: paidAt ?? null, payment });
    }
    throw new HttpError(404, 'not_found', 'no such route');
  }

  return {
    async fetch(request, env = {}) {
      store ??= memoryStore({ maxOrders: Number(env.MAX_ORDERS) || config.maxOrders });
      const origin = request.headers.get('origin');
      const allowed = (env.ALLOWED_ORIGINS || config.allowedOrigins || '').split(',').map((s) => s.trim()).filter(Boolean);
      const isNotify = new URL(request.url).pathname.startsWith('/notify/');
      const cors = origin && allowed.includes(origin)
        ? { 'access-control-allow-origin': origin, vary: 'origin', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-max-age': '600' }
        : null;
      // A browser page from an origin not on the list gets nothing: no CORS headers, 403.
      if (origin && !cors && !isNotify) return json(403, { error: { code: 'origin_not_allowed', message: 'this origin may not use the checkout' } });
      if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors ?? {} });
      let response;
      try {
        response = await route(request, env);
      } catch (e) {
        if (e instanceof HttpError) response = json(e.status, { error: { code: e.code, message: e.message } });
        else if (e?.name === 'CheckoutError') response = json(STATUS_OF[e.code] ?? 400, errorBody(e));
        else {
          console.error('checkout worker: unexpected error', e?.stack ?? e);
          response = json(500, { error: { code: 'internal_error', message: 'internal error' } });
        }
      }
      if (cors) for (const [k, v] of Object.entries(cors)) response.headers.set(k, v);
      return response;
    },
  };
}
