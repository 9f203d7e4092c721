// A ready fetch handler for workerd / Cloudflare Workers. HTTP plumbing only:
// routes, env, fetch, CORS and limits. Pricing, signing, verification, reply
// parsing and order states are decided in Rust (the worker build), and what the
// glue must know about each gateway — binding names, retry rule, signature
// headers — it asks Rust for (`gatewayFacts`). Each order lives in its own
// Durable Object (durable.js, logic in orders.js).
import wasm from './worker/qrcheckout_bg.wasm';
import { init, gatewayFacts, Shop, notifyReply } from './worker.js';
import { memoryOrders, orderSettings, errorFields, statusOf, configureFulfilment } from './orders.js';
import { listLedger, MAX_PAGE } from './ledger.js';
import { bucketKey, limitSettings, memoryBuckets } from './limiter.js';

const MAX_BODY = 16 * 1024;
// One object for a caller that passes no env, so its shop is read once too.
const NO_ENV = Object.freeze({});
const MAX_NOTIFY_BODY = 64 * 1024;
// A create-order reply is a few hundred bytes; gatepay.io's carries its QR as a data URL, kilobytes.
const MAX_REPLY = 1024 * 1024;
// The fields that make two checkouts "the same request" for an Idempotency-Key
// (not the client IP: a phone may change networks between a request and its retry).
const REQUEST_FIELDS = ['gateway', 'payType', 'sku', 'quantity', 'openid', 'returnUrl', 'cancelUrl'];
// Printable ASCII, as payment APIs accept; a UUID fits.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,255}$/;

class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    Object.assign(this, { status, code, headers });
  }
}

const utf8 = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function toHex(bytes) {
  let hex = '';
  for (const b of bytes) hex += HEX[b];
  return hex;
}

async function sha256(text) {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(text))));
}

const alnum = (n) => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => abc[b % abc.length]).join('');
};

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** A secret in every form it could be printed in: as is, hex, base64, URL-encoded. */
function secretForms(value) {
  const bytes = utf8.encode(value);
  const hex = toHex(bytes);
  const base64 = btoa(String.fromCharCode(...bytes));
  return [value, hex, hex.toUpperCase(), base64, base64.replace(/=+$/, ''), encodeURIComponent(value)];
}

/**
 * A request's or response's body as text, at most `limit` bytes, else `tooLarge()` is thrown. Without a length
 * that bounds it, it is read chunk by chunk and abandoned past the limit: a chunked body declares none, and
 * `.text()` would buffer an endless one until the isolate runs out of memory.
 */
async function readText(message, limit, tooLarge) {
  const { headers } = message;
  const declared = Number(headers.get('content-length') ?? NaN);
  if (declared > limit) throw tooLarge();
  // A declared length is all the body there is (HTTP framing), so it is read at once — unless the runtime
  // decodes a content-encoding (fetch inflates gzip) or the body is chunked (workerd then drops the length;
  // checked anyway): then the bytes are counted as they come.
  if (declared >= 0 && !headers.has('content-encoding') && !headers.has('transfer-encoding')) return message.text();
  if (!message.body) return '';
  const reader = message.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

const readBody = (request, limit) =>
  readText(request, limit, () => new HttpError(413, 'body_too_large', `request body over ${limit} bytes`));

/**
 * `config`: `{ catalog, ordersBinding?, limiterBinding?, fetch?, timeoutMs?, notifyWindowMs?, publicBaseUrl?, expiryMs?, wasmModule? }`;
 * env `GATEWAY_TIMEOUT_MS`, `NOTIFY_WINDOW_MS`, `ORDER_EXPIRY_MS`, `ORDER_RETENTION_MS`, `RATE_LIMIT_*`, `MAX_ORDERS`
 * override the numbers. Secrets and ids come from `env` on each request (Workers pass env per call).
 * Orders live in the Durable Object bound as `ORDERS`, rate limits in `LIMITER`, the ledger in
 * `LEDGER`; without the first two, in this isolate's memory — for unit tests only.
 * `onPaid(event, env)`: run by the order's object for every order that becomes paid, retried
 * with backoff until it resolves (see README, fulfilment).
 */
export function createCheckoutHandler(config = {}) {
  init(config.wasmModule ?? wasm);
  configureFulfilment({ onPaid: config.onPaid ?? null });
  const facts = gatewayFacts();
  const FACTS = Object.fromEntries(facts.gateways.map((f) => [f.gateway, f]));
  const secretNames = facts.gateways.map((f) => f.secretBinding);
  const upstream = config.fetch ?? ((...a) => fetch(...a));
  const fallback = { orders: null, buckets: null };

  /** The object a key lives in: its Durable Object stub, or the in-memory fallback (with a warning, once). */
  function objectFor(env, binding, kind, key, makeFallback) {
    const ns = env[binding];
    if (ns) return ns.get(ns.idFromName(key));
    if (!fallback[kind]) {
      console.warn(`qrcheckout: no ${binding} Durable Object binding; ${kind} are kept in this isolate only (not for production)`);
      fallback[kind] = makeFallback();
    }
    return fallback[kind].get(key);
  }
  const orderFor = (env, id) =>
    objectFor(env, config.ordersBinding ?? 'ORDERS', 'orders', id, () =>
      memoryOrders({ maxOrders: Number(env.MAX_ORDERS) || config.maxOrders, ...orderSettings(env) }),
    );

  /**
   * The shop — catalog, settings from the text bindings (config values fill what env leaves unset),
   * secrets — read into the module once per env object: Workers hand an isolate the same env on
   * every request, so a checkout is then one call into Rust with nothing re-read.
   */
  const shops = new WeakMap();
  function shopFor(env) {
    let shop = shops.get(env);
    if (!shop) {
      const text = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string'));
      const settings = { PUBLIC_BASE_URL: config.publicBaseUrl ?? '', ORDER_EXPIRY_MS: String(config.expiryMs ?? '') };
      shop = new Shop(config.catalog, { ...settings, ALLOWED_ORIGINS: config.allowedOrigins ?? '', ...text });
      shops.set(env, shop);
    }
    return shop;
  }

  /** Any thrown error → `{ status, error, headers }`; unexpected ones are logged (secrets masked) and answered as a bare 500. */
  function failureOf(e, env) {
    if (e instanceof HttpError) return { status: e.status, error: { code: e.code, message: e.message }, headers: e.headers };
    if (e?.name === 'CheckoutError') return { status: statusOf(e.code), error: errorFields(e) };
    let text = String(e?.stack ?? e);
    for (const name of secretNames) if (env[name]) for (const form of secretForms(env[name])) text = text.split(form).join('***');
    console.error('checkout worker: unexpected error', text);
    return { status: 500, error: { code: 'internal_error', message: 'internal error' } };
  }

  async function callGateway(gateway, signed, timeoutMs) {
    const attempt = async () => {
      const res = await upstream(signed.url, {
        method: signed.method,
        headers: signed.headers,
        body: signed.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const tooLarge = () => new HttpError(502, 'malformed_response', `the gateway's reply is over ${MAX_REPLY} bytes`);
      return { status: res.status, text: await readText(res, MAX_REPLY, tooLarge) };
    };
    try {
      return await attempt();
    } catch (e) {
      // The gateway answered: no second attempt, and its own error.
      if (e instanceof HttpError) throw e;
      const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
      if (!timedOut && FACTS[gateway].retryOnNetworkError) {
        try {
          return await attempt();
        } catch {
          /* fall through to the typed error */
        }
      }
      throw timedOut
        ? new HttpError(504, 'gateway_timeout', `the gateway did not answer within ${timeoutMs} ms`)
        : new HttpError(502, 'gateway_unreachable', 'the gateway could not be reached');
    }
  }

  /** Order creation per client IP; a request with no client IP (never on Cloudflare) is not limited. */
  async function limit(env, clientIp) {
    const settings = limitSettings(env);
    if (!clientIp || !(settings.perMinute > 0)) return;
    const bucket = objectFor(env, config.limiterBinding ?? 'LIMITER', 'buckets', bucketKey(clientIp), () => memoryBuckets());
    const taken = await bucket.take(Date.now(), settings);
    if (!taken.ok) {
      const seconds = Math.ceil(taken.retryAfterMs / 1000);
      throw new HttpError(429, 'rate_limited', `too many orders from this address; try again in ${seconds} s`, {
        'retry-after': String(seconds),
      });
    }
  }

  async function checkout(request, env) {
    if (!(request.headers.get('content-type') || '').includes('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'send application/json');
    }
    let body;
    try {
      body = JSON.parse(await readBody(request, MAX_BODY));
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, 'invalid_json', 'the body is not JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new HttpError(400, 'invalid_json', 'the body must be a JSON object');
    const checkoutRequest = JSON.stringify(Object.fromEntries(REQUEST_FIELDS.map((k) => [k, body[k]])));
    const key = request.headers.get('idempotency-key');
    if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
      throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 8 to 255 printable ASCII characters');
    }
    const keyDigest = key === null ? undefined : await sha256(key);
    const clientIp = request.headers.get('cf-connecting-ip') || undefined;
    // Priced from the worker's catalog, planned and signed in one call: the write-ahead record and the request.
    const { order: record, request: signed } = JSON.parse(
      shopFor(env).checkout(checkoutRequest, clientIp, Date.now(), alnum(10), keyDigest, alnum(32)),
    );
    // Only an order that would reach the gateway counts against the limit.
    await limit(env, clientIp);
    const timeoutMs = Number(env.GATEWAY_TIMEOUT_MS) || config.timeoutMs || 8000;
    const order = orderFor(env, record.merchantOrderId);
    // Write-ahead: the order exists before the gateway is called.
    // Without a key the order id is new to this request and nothing can repeat it: no hash to compare.
    const requestHash = key === null ? undefined : await sha256(checkoutRequest);
    const begun = await order.begin({ record, requestHash, waitMs: 2 * timeoutMs + 1000 });
    if (begun.role === 'conflict')
      throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was sent with a different checkout');
    if (begun.role === 'busy')
      throw new HttpError(409, 'idempotency_key_in_progress', 'the first request with this Idempotency-Key is still running');
    if (begun.role === 'repeat') return json(begun.answer.status, begun.answer.body, { 'idempotent-replayed': 'true' });
    let reply = null;
    let failure = null;
    try {
      reply = await callGateway(record.gateway, signed, timeoutMs);
    } catch (e) {
      const { status, error } = failureOf(e, env);
      failure = { status, error };
    }
    // The object reads the reply (Rust) and opens the order, or fails it.
    const answer = await order.settle({ reply, failure, now: Date.now() });
    return json(answer.status, answer.body);
  }

  async function notify(request, env, gateway, url) {
    const body = request.method === 'POST' ? await readBody(request, MAX_NOTIFY_BODY) : '';
    const headers = Object.fromEntries(request.headers);
    const windowMs = Number(env.NOTIFY_WINDOW_MS || config.notifyWindowMs) || facts.notifyWindowMs;
    // The order's object gets the verified text itself: it goes on to Rust, never needed as an object there.
    const verified = shopFor(env).verifyNotify(gateway, JSON.stringify(headers), body, url.search.slice(1), Date.now(), windowMs);
    const id = JSON.parse(verified).merchantOrderId;
    // An exact copy of a handled message is what a gateway resends after a lost
    // acknowledgement: the order's object acknowledges it again and changes nothing.
    const signedBy = FACTS[gateway].notifySignatureHeaders.map((h) => headers[h.toLowerCase()] ?? '');
    const fingerprint = await sha256([gateway, ...signedBy, body, url.search].join('\n'));
    const result = await orderFor(env, id).notify({ notification: verified, fingerprint, now: Date.now() });
    if (result.error) throw new HttpError(result.error.status, result.error.code, result.error.message);
    const reply = notifyReply(gateway, env.YIMAFU_NOTIFY_REPLY || undefined);
    return new Response(reply.body, { status: reply.status, headers: { 'content-type': reply.contentType } });
  }

  /** `GET /orders?state=&since=&cursor=&limit=`: only with ADMIN_TOKEN set, and only for its bearer. */
  async function ledger(request, env, url) {
    if (!env.ADMIN_TOKEN) throw new HttpError(404, 'not_found', 'no such route');
    const given = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '');
    // Compared as digests, so the time taken says nothing about the token.
    if ((await sha256(given)) !== (await sha256(env.ADMIN_TOKEN)))
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
    if (!env.LEDGER) throw new HttpError(503, 'ledger_not_configured', 'bind the CheckoutLedger Durable Object as LEDGER');
    const q = url.searchParams;
    const state = q.get('state') ?? 'paid';
    if (!['creating', 'pending', 'paid', 'expired', 'failed'].includes(state))
      throw new HttpError(400, 'invalid_field', 'state: unknown order state');
    const since = Number(q.get('since') ?? 0);
    const limit = Number(q.get('limit') ?? 100);
    if (!Number.isSafeInteger(since) || since < 0) throw new HttpError(400, 'invalid_field', 'since: Unix milliseconds');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new HttpError(400, 'invalid_field', `limit: 1 to ${MAX_PAGE}`);
    try {
      return json(200, await listLedger(env.LEDGER, { state, since, cursor: q.get('cursor'), limit }));
    } catch (e) {
      if (e.code === 'invalid_cursor') throw new HttpError(400, 'invalid_cursor', e.message);
      throw e;
    }
  }

  async function route(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === '/orders' && request.method === 'GET') return ledger(request, env, url);
    if (path === '/catalog' && request.method === 'GET') return json(200, { products: shopFor(env).publicCatalog() });
    if (path === '/checkout' && request.method === 'POST') return checkout(request, env);
    const notifyMatch = path.match(/^\/notify\/([a-z-]+)$/);
    if (notifyMatch && (request.method === 'POST' || request.method === 'GET')) {
      if (!FACTS[notifyMatch[1]]) throw new HttpError(404, 'unknown_gateway', 'no such gateway');
      return notify(request, env, notifyMatch[1], url);
    }
    const orderMatch = path.match(/^\/orders\/([A-Za-z0-9]{5,32})(\/events)?$/);
    if (orderMatch && request.method === 'GET') {
      const order = orderFor(env, orderMatch[1]);
      if (orderMatch[2]) {
        const events = await order.fetch(new Request('https://order.internal/events'));
        if (events.status === 404) throw new HttpError(404, 'unknown_order', 'no such order');
        if (events.status === 429) throw new HttpError(429, 'too_many_subscribers', 'too many open event streams for this order');
        return events;
      }
      const view = await order.view(Date.now());
      if (!view) throw new HttpError(404, 'unknown_order', 'no such order');
      return json(200, view);
    }
    throw new HttpError(404, 'not_found', 'no such route');
  }

  return {
    async fetch(request, env = NO_ENV) {
      const origin = request.headers.get('origin');
      const allowed = (env.ALLOWED_ORIGINS || config.allowedOrigins || '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const isNotify = new URL(request.url).pathname.startsWith('/notify/');
      const cors =
        origin && allowed.includes(origin)
          ? {
              'access-control-allow-origin': origin,
              vary: 'origin',
              'access-control-allow-headers': 'content-type, idempotency-key',
              'access-control-allow-methods': 'GET, POST, OPTIONS',
              'access-control-expose-headers': 'retry-after',
              'access-control-max-age': '600',
            }
          : null;
      // A browser page from an origin not on the list gets nothing: no CORS headers, 403.
      if (origin && !cors && !isNotify)
        return json(403, { error: { code: 'origin_not_allowed', message: 'this origin may not use the checkout' } });
      if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors ?? {} });
      let response;
      try {
        response = await route(request, env);
      } catch (e) {
        const { status, error, headers } = failureOf(e, env);
        response = json(status, { error }, headers);
      }
      if (!cors) return response;
      // A response from a Durable Object (the event stream) has immutable headers.
      const headers = new Headers(response.headers);
      for (const [k, v] of Object.entries(cors)) headers.set(k, v);
      return new Response(response.body, { status: response.status, headers });
    },
  };
}
