// One order's whole transaction, whatever hosts it: the Durable Object
// `CheckoutOrder` in production (durable.js), or an in-isolate map for unit
// tests (`memoryOrders`). Every read-modify-write of the order happens here,
// between storage calls only, so the host serialises it; the state transitions
// themselves are decided in Rust (the worker wasm).
import { creatingOrder, openOrder, failOrder, expireOrder, applyNotification, orderState } from './worker.js';

const DAY_MS = 24 * 3600 * 1000;
/** How long a settled order (and its idempotency answer) is kept. */
export const DEFAULT_RETENTION_MS = 30 * DAY_MS;
const TERMINAL = new Set(['paid', 'expired', 'failed']);
// A page holds one stream per order; more than this is someone else's loop.
const MAX_SUBSCRIBERS = 16;
const encoder = new TextEncoder();

/** The numbers an order object reads from env. */
export function orderSettings(env = {}) {
  return { retentionMs: Number(env.ORDER_RETENTION_MS) || DEFAULT_RETENTION_MS };
}

/** What a reader of the order sees (GET /orders/{id}, live events). */
export function orderView(order, now) {
  const { merchantOrderId, gateway, amount, currency, expiresAt, paidAt, payment } = order;
  const state = orderState(order, now);
  return { merchantOrderId, gateway, state, amount, currency, expiresAt, paidAt: paidAt ?? null, payment: payment ?? null };
}

/** A wasm CheckoutError (or any Error) as plain data that crosses an RPC boundary. */
export function errorFields(e) {
  return {
    code: e.code ?? 'internal_error',
    field: e.field ?? null,
    message: e.message,
    messageZh: e.messageZh ?? null,
    gatewayCode: e.gatewayCode ?? null,
  };
}

export class OrderObject {
  /** `storage`: a Durable Object's `ctx.storage`, or `memoryStorage()`. */
  constructor(storage, { retentionMs = DEFAULT_RETENTION_MS } = {}) {
    this.storage = storage;
    this.retentionMs = retentionMs;
    this.waiters = [];
    this.subscribers = new Set();
  }

  /**
   * Write-ahead: the first call for an order id stores the `creating` record
   * and is its owner (it calls the gateway, then `settle`). A repeat of the same
   * request (an Idempotency-Key) gets the owner's answer, waiting up to `waitMs`
   * for it; a different request under the same id is a conflict.
   */
  async begin({ plan, requestHash, waitMs = 0 }) {
    const existing = await this.storage.get('order');
    if (!existing) {
      const record = creatingOrder(plan);
      await this.storage.put({ order: record, request: requestHash });
      await this.storage.setAlarm(record.expiresAt);
      return { role: 'owner' };
    }
    if ((await this.storage.get('request')) !== requestHash) return { role: 'conflict' };
    const answer = (await this.storage.get('answer')) ?? (await this.#answerWithin(waitMs));
    return answer ? { role: 'repeat', answer } : { role: 'busy' };
  }

  #answerWithin(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), ms);
      this.waiters.push((answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  /**
   * The gateway answered (`payment`) or the call failed (`failure`:
   * `{ status, error }`). Returns the answer every repeat of the request gets.
   */
  async settle({ payment = null, failure = null, now = Date.now() }) {
    const order = await this.storage.get('order');
    if (!order) return null;
    const next = payment ? openOrder(order, payment) : failOrder(order);
    const { merchantOrderId, state, amount, currency, expiresAt } = orderView(next, now);
    const answer = payment
      ? { status: 200, body: { payment: next.payment, order: { merchantOrderId, state, amount, currency, expiresAt } } }
      : { status: failure.status, body: { error: failure.error } };
    await this.storage.put({ order: next, answer });
    if (next.expiresAt !== order.expiresAt && !TERMINAL.has(next.state)) await this.storage.setAlarm(next.expiresAt);
    this.#publish(order, next, now);
    for (const wake of this.waiters.splice(0)) wake(answer);
    return answer;
  }

  /**
   * A verified notification. An exact copy of one already applied is
   * acknowledged and changes nothing; a refused one is not remembered, so the
   * gateway's later genuine retry is still applied.
   */
  async notify({ notification, fingerprint, now = Date.now() }) {
    const order = await this.storage.get('order');
    if (!order) return { error: { status: 404, code: 'unknown_order', message: 'no such order' } };
    const seenKey = `notified:${fingerprint}`;
    if (await this.storage.get(seenKey)) return { replay: true, state: order.state };
    let t;
    try {
      t = applyNotification(order, notification, now);
    } catch (e) {
      return { error: { status: 400, ...errorFields(e) } };
    }
    await this.storage.put({ order: t.order, [seenKey]: now });
    this.#publish(order, t.order, now);
    return { changed: t.changed, state: t.order.state };
  }

  async view(now = Date.now()) {
    const order = await this.storage.get('order');
    return order ? orderView(order, now) : null;
  }

  /** `GET …/events`: Server-Sent Events, the current state first, then every change until a final state. */
  async fetch(request) {
    if (new URL(request.url).pathname !== '/events') return new Response('not found', { status: 404 });
    const now = Date.now();
    const order = await this.storage.get('order');
    if (!order) return new Response(null, { status: 404 });
    if (this.subscribers.size >= MAX_SUBSCRIBERS) return new Response(null, { status: 429 });
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const view = orderView(order, now);
    // The stream is read only after this returns: writes are queued, not awaited.
    send(writer, view).catch(() => {});
    if (TERMINAL.has(view.state)) writer.close().catch(() => {});
    else this.subscribers.add(writer);
    return new Response(readable, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' },
    });
  }

  /** At the expiry an open order becomes expired; after the retention period the object forgets it. */
  async alarm(now = Date.now()) {
    const order = await this.storage.get('order');
    if (!order) return this.storage.deleteAll();
    const expired = expireOrder(order, now);
    if (expired) {
      await this.storage.put('order', expired);
      this.#publish(order, expired, now);
    }
    const current = expired ?? order;
    if (!TERMINAL.has(current.state)) return this.storage.setAlarm(current.expiresAt + 1);
    const purgeAt = Math.max(current.expiresAt, current.paidAt ?? 0) + this.retentionMs;
    if (now < purgeAt) return this.storage.setAlarm(purgeAt);
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
  }

  #publish(before, after, now) {
    if (before.state === after.state && !before.payment === !after.payment) return;
    const view = orderView(after, now);
    for (const writer of this.subscribers) {
      send(writer, view).catch(() => this.subscribers.delete(writer));
      if (TERMINAL.has(view.state)) {
        writer.close().catch(() => {});
        this.subscribers.delete(writer);
      }
    }
  }
}

function send(writer, view) {
  return writer.write(encoder.encode(`event: state\ndata: ${JSON.stringify(view)}\n\n`));
}

/** A Map with the slice of Durable Object storage that OrderObject uses (no alarms: reads derive expiry). */
export function memoryStorage() {
  const map = new Map();
  return {
    async get(key) {
      return structuredClone(map.get(key));
    },
    async put(key, value) {
      const entries = typeof key === 'string' ? { [key]: value } : key;
      for (const [k, v] of Object.entries(entries)) map.set(k, structuredClone(v));
    },
    async deleteAll() {
      map.clear();
    },
    async setAlarm() {},
    async deleteAlarm() {},
  };
}

/**
 * Orders in this isolate's memory: for unit tests only. Other isolates never
 * see them and an eviction forgets them all. Bounded: past `maxOrders` the
 * oldest are forgotten.
 */
export function memoryOrders({ maxOrders = 10000, ...settings } = {}) {
  const objects = new Map();
  return {
    get(id) {
      let o = objects.get(id);
      if (!o) {
        o = new OrderObject(memoryStorage(), settings);
        objects.set(id, o);
        while (objects.size > maxOrders) objects.delete(objects.keys().next().value);
      }
      return o;
    },
  };
}
