// One order's whole transaction, whatever hosts it: the Durable Object
// `CheckoutOrder` in production (durable.js), or an in-isolate map for unit
// tests (`memoryOrders`). Every read-modify-write of the order happens here,
// between storage calls only, so the host serialises it; the state transitions
// themselves are decided in Rust (the worker wasm). Its one alarm serves expiry,
// fulfilment retries, the ledger and, at the end, deletion.
import { settleReply, failOrder, expireOrder, applyVerified, orderState, gatewayFacts } from './worker.js';
import { signFulfilmentWebhook, SIGNATURE_HEADER } from './webhook.js';
import { shardFor } from './ledger.js';

const DAY_MS = 24 * 3600 * 1000;
/** How long a settled order (and its idempotency answer) is kept. */
export const DEFAULT_RETENTION_MS = 30 * DAY_MS;
const TERMINAL = new Set(['paid', 'expired', 'failed']);
// Every key of an order's object. `notified` holds the fingerprints of the notifications applied, read with the rest.
const KEPT = ['order', 'request', 'answer', 'fulfilment', 'ledgerDue', 'notified'];
// Only verified messages add a mark and a gateway resends a handful at most; past this the oldest goes (the
// state rules still see its notification id, so its copy changes nothing).
const MAX_MARKS = 64;
// A page holds one stream per order; more than this is someone else's loop.
const MAX_SUBSCRIBERS = 16;
const encoder = new TextEncoder();

// The state rules never read the payment a record carries, and a gateway's QR image
// can be kilobytes: Rust gets the record without it, and it is put back on the result.
const bare = (order) => (order.payment ? { ...order, payment: null } : order);
const restored = (next, order) => (next && next.payment === null && order.payment ? { ...next, payment: order.payment } : next);
const stateOf = (order, now) => orderState(bare(order), now);

/**
 * A verified notification — the JSON text `Shop.verifyNotify` returns, passed on as it is — applied to
 * the order (Rust): `{ order, changed }`, or throws when it does not fit. The rules never read the payment.
 */
export function applyTo(order, notificationJson, now) {
  // Rust answers with the fields it changed (src/checkout.rs `Changes`); the rest of the record stays as stored.
  const { changed, ...fields } = JSON.parse(applyVerified(JSON.stringify(bare(order)), notificationJson, now));
  return { changed, order: { ...order, ...fields } };
}

/**
 * The gateway's reply (`status`, body `text`) read in Rust and the record opened with its payment, or throws the
 * reply's typed error. Rust answers with what settling changes (`state`, `expiresAt`, `payment`), merged here.
 */
export function settleWith(order, status, text) {
  return { ...order, ...JSON.parse(settleReply(JSON.stringify(bare(order)), status, text)) };
}

/** The shop's fulfilment hook, set by createCheckoutHandler({ onPaid }) in every isolate that loads the worker. */
const hooks = { onPaid: null };
export function configureFulfilment({ onPaid = null } = {}) {
  hooks.onPaid = onPaid;
}

/** The numbers and endpoints an order object reads from env. */
export function orderSettings(env = {}) {
  const num = (v, d) => Number(v) || d;
  return {
    retentionMs: num(env.ORDER_RETENTION_MS, DEFAULT_RETENTION_MS),
    webhookUrl: env.FULFILMENT_WEBHOOK_URL || null,
    webhookSecret: env.FULFILMENT_WEBHOOK_SECRET || null,
    // Backoff: base × 2^(attempt − 1), capped; the webhook gives up after its deadline.
    retryBaseMs: num(env.FULFILMENT_RETRY_BASE_MS, 10_000),
    retryCapMs: num(env.FULFILMENT_RETRY_CAP_MS, 3600_000),
    webhookDeadlineMs: num(env.FULFILMENT_DEADLINE_MS, 3 * DAY_MS),
    timeoutMs: num(env.FULFILMENT_TIMEOUT_MS, 10_000),
  };
}

/** What a reader of the order sees (GET /orders/{id}, live events). */
export function orderView(order, now, fulfilment = null) {
  const { merchantOrderId, gateway, amount, currency, expiresAt, paidAt, payment } = order;
  const state = stateOf(order, now);
  return {
    merchantOrderId,
    gateway,
    state,
    amount,
    currency,
    expiresAt,
    paidAt: paidAt ?? null,
    payment: payment ?? null,
    ...(fulfilment ? { fulfilment: fulfilmentView(fulfilment) } : {}),
  };
}

// The HTTP status of each error code that is not the caller's fault (anything else is a 400).
const STATUS_OF = {
  gateway_rejected: 502,
  gateway_unavailable: 502,
  malformed_response: 502,
  gateway_not_configured: 503,
  missing_secret: 503,
  bad_signature: 401,
  stale_timestamp: 401,
  unknown_order: 404,
  internal_error: 500,
};
export const statusOf = (code) => STATUS_OF[code] ?? 400;

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

/** `pending` → `done`, or `failing` while retrying, `failed` once the webhook gave up. */
function fulfilmentView(f) {
  const targets = Object.values(f.targets);
  const state = targets.every((t) => t.state === 'done')
    ? 'done'
    : targets.some((t) => t.state === 'failed')
      ? 'failed'
      : targets.some((t) => t.attempts > 0)
        ? 'failing'
        : 'pending';
  return {
    state,
    eventId: f.eventId,
    attempts: Math.max(...targets.map((t) => t.attempts)),
    lastError: targets.map((t) => t.lastError).find(Boolean) ?? null,
    targets: f.targets,
  };
}

/** The event every fulfilment target receives; `eventId` is the same on every retry. */
function paidEvent(order, eventId) {
  const { merchantOrderId, gateway, gatewayOrderId, amount, currency, paidAt } = order;
  return { eventId, type: 'order.paid', merchantOrderId, gateway, gatewayOrderId: gatewayOrderId ?? null, amount, currency, paidAt };
}

export class OrderObject {
  /** `storage`: a Durable Object's `ctx.storage`, or `memoryStorage()`; `env` gives the hook its bindings. */
  constructor(storage, settings = {}, env = {}) {
    this.storage = storage;
    this.settings = { ...orderSettings(), ...settings };
    this.env = env;
    this.waiters = [];
    this.subscribers = new Set();
    // This instance's copy of the keys it keeps (below), loaded once and updated with every write it makes.
    // Only this instance writes them (one instance per object), so the copy is what is stored.
    this.loading = null;
    // The alarm time this instance last set or read; `undefined` until known.
    this.alarmAt = undefined;
  }

  /**
   * The order's keys as stored now: `order`, `request`, `answer`, `fulfilment`, `ledgerDue`, `notified`. The same object on
   * every call, kept current by every write, so a method holds it once and reads it again after an await.
   */
  #stored() {
    // One load even if two events ask at once (the in-memory host has no input gate).
    this.loading ??= this.storage.get(KEPT).then(
      (map) => Object.fromEntries(KEPT.map((k) => [k, map.get(k)])),
      (e) => {
        this.loading = null;
        throw e;
      },
    );
    return this.loading;
  }

  async #put(entries) {
    const stored = await this.#stored();
    for (const k of KEPT) if (k in entries) stored[k] = entries[k];
    await this.storage.put(entries);
  }

  async #delete(key) {
    (await this.#stored())[key] = undefined;
    await this.storage.delete(key);
  }

  async #deleteAll() {
    const stored = await this.#stored();
    for (const k of KEPT) stored[k] = undefined;
    this.alarmAt = null;
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
  }

  /**
   * Write-ahead: the first call for an order id stores the `creating` record
   * and is its owner (it calls the gateway, then `settle`). A repeat of the same
   * request (an Idempotency-Key) gets the owner's answer, waiting up to `waitMs`
   * for it; a different request under the same id is a conflict.
   */
  async begin({ record, requestHash, waitMs = 0 }) {
    const stored = await this.#stored();
    if (!stored.order) {
      await this.#put(requestHash === undefined ? { order: record } : { order: record, request: requestHash });
      await this.#changed(null, record, record.createdAt);
      return { role: 'owner' };
    }
    // A keyless request is never a repeat: its id was new to it, so what is stored there is someone else's.
    if (requestHash === undefined || stored.request !== requestHash) return { role: 'conflict' };
    const answer = stored.answer ?? (await this.#answerWithin(waitMs));
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
   * The gateway answered (`reply`: `{ status, text }`, read here by Rust) or the
   * call failed (`failure`: `{ status, error }`). Returns the answer every repeat
   * of the request gets.
   */
  async settle({ reply = null, failure = null, now = Date.now() }) {
    const { order, request } = await this.#stored();
    if (!order) return null;
    let next = null;
    if (reply) {
      try {
        next = settleWith(order, reply.status, reply.text);
      } catch (e) {
        if (e?.name !== 'CheckoutError') throw e;
        failure = { status: statusOf(e.code), error: errorFields(e) };
      }
    }
    next ??= failOrder(order);
    const { merchantOrderId, state, amount, currency, expiresAt } = orderView(next, now);
    const answer = failure
      ? { status: failure.status, body: { error: failure.error } }
      : { status: 200, body: { payment: next.payment, order: { merchantOrderId, state, amount, currency, expiresAt } } };
    // Only a keyed request can be repeated, so only its answer is kept.
    await this.#put(request === undefined ? { order: next } : { order: next, answer });
    for (const wake of this.waiters.splice(0)) wake(answer);
    await this.#changed(order, next, now);
    return answer;
  }

  /**
   * A verified notification (`notification`: the JSON text `Shop.verifyNotify` returns; `fingerprint`:
   * the digest of the message as received). An exact copy of one already applied is
   * acknowledged and changes nothing; a refused one is not remembered, so the
   * gateway's later genuine retry is still applied. The transition to paid
   * starts fulfilment (once: a paid order never becomes paid again).
   */
  async notify({ notification, fingerprint, now = Date.now() }) {
    const stored = await this.#stored();
    const { order } = stored;
    if (!order) return { error: { status: 404, code: 'unknown_order', message: 'no such order' } };
    const marks = stored.notified ?? [];
    if (marks.includes(fingerprint)) return { replay: true, state: order.state };
    let t;
    try {
      t = applyTo(order, notification, now);
    } catch (e) {
      return { error: { status: 400, ...errorFields(e) } };
    }
    const writes = { order: t.order, notified: [...marks, fingerprint].slice(-MAX_MARKS) };
    if (t.changed && t.order.state === 'paid' && !stored.fulfilment) {
      const fulfilment = this.#newFulfilment(t.order, now);
      if (fulfilment) writes.fulfilment = fulfilment;
    }
    await this.#put(writes);
    await this.#changed(order, t.order, now);
    return { changed: t.changed, state: t.order.state };
  }

  #newFulfilment(order, now) {
    const { webhookUrl, webhookSecret } = this.settings;
    const names = [...(hooks.onPaid ? ['onPaid'] : []), ...(webhookUrl && webhookSecret ? ['webhook'] : [])];
    if (!names.length) return null;
    const target = () => ({ state: 'pending', attempts: 0, lastError: null, nextAt: now, doneAt: null });
    return { eventId: `evt_${order.merchantOrderId}_paid`, targets: Object.fromEntries(names.map((n) => [n, target()])) };
  }

  async view(now = Date.now()) {
    const { order, fulfilment } = await this.#stored();
    return order ? orderView(order, now, fulfilment) : null;
  }

  /** `GET …/events`: Server-Sent Events, the current state first, then every change until a final state. */
  async fetch(request) {
    if (new URL(request.url).pathname !== '/events') return new Response('not found', { status: 404 });
    const now = Date.now();
    const { order } = await this.#stored();
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

  /** Expiry, fulfilment attempts that are due, a ledger write that failed, and finally deletion. */
  async alarm(now = Date.now()) {
    // The alarm that woke this is spent: none is set until one is set again.
    this.alarmAt = null;
    const stored = await this.#stored();
    const { order } = stored;
    if (!order) return this.#deleteAll();
    let current = order;
    const expired = restored(expireOrder(bare(order), now), order);
    if (expired) {
      const writes = { order: expired };
      // Its owner never settled it (the worker died mid-call): repeats of its key get a final answer, not "busy".
      if (order.state === 'creating' && stored.request !== undefined && !stored.answer) {
        const error = { code: 'gateway_timeout', message: 'the first request with this Idempotency-Key never finished; its order expired' };
        writes.answer = { status: 504, body: { error } };
      }
      await this.#put(writes);
      current = expired;
    }
    let { fulfilment } = stored;
    if (fulfilment) {
      fulfilment = await this.#fulfil(current, fulfilment, now);
      await this.#put({ fulfilment });
    }
    // Past the retention period the order is forgotten, whatever is still pending (the webhook gave up after its deadline).
    if (now >= this.#purgeAt(current)) return this.#deleteAll();
    await this.#changed(order, current, now);
    // The ledger row is written here, off the request path; a failed write stays due.
    if (this.env.LEDGER && (fulfilment || stored.ledgerDue)) {
      await this.#index(now);
      // The awaits above let notifications in: schedule from what is stored now.
      await this.#schedule(now);
    }
  }

  /** Runs every fulfilment target that is due; returns the updated record. */
  async #fulfil(order, f, now) {
    const event = paidEvent(order, f.eventId);
    const targets = { ...f.targets };
    for (const [name, t] of Object.entries(targets)) {
      if (t.state === 'done' || t.state === 'failed' || t.nextAt > now) continue;
      const attempts = t.attempts + 1;
      try {
        if (name === 'webhook') await this.#deliver(event);
        else if (hooks.onPaid) await hooks.onPaid(event, this.env);
        else throw new Error('no onPaid hook in this isolate: export the handler from the same worker');
        targets[name] = { ...t, state: 'done', attempts, lastError: null, nextAt: null, doneAt: Date.now() };
      } catch (e) {
        const { retryBaseMs, retryCapMs, webhookDeadlineMs } = this.settings;
        const gaveUp = name === 'webhook' && now - (order.paidAt ?? now) >= webhookDeadlineMs;
        const nextAt = now + Math.min(retryBaseMs * 2 ** (attempts - 1), retryCapMs);
        targets[name] = {
          ...t,
          state: gaveUp ? 'failed' : 'failing',
          attempts,
          lastError: this.#masked(e),
          nextAt: gaveUp ? null : nextAt,
        };
      }
    }
    return { ...f, targets };
  }

  /** POSTs the signed event; anything but a 2xx within the timeout is a failed attempt. */
  async #deliver(event) {
    const body = JSON.stringify(event);
    const signature = await signFulfilmentWebhook(body, this.settings.webhookSecret);
    const res = await fetch(this.settings.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
      body,
      signal: AbortSignal.timeout(this.settings.timeoutMs),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`);
  }

  /** An error's message for the record, with every secret of this worker masked. */
  #masked(e) {
    let text = String(e?.message ?? e).slice(0, 300);
    const names = [...gatewayFacts().gateways.map((f) => f.secretBinding), 'FULFILMENT_WEBHOOK_SECRET', 'ADMIN_TOKEN'];
    for (const n of names) if (this.env[n]) text = text.split(this.env[n]).join('***');
    return text;
  }

  #purgeAt(order) {
    return Math.max(order.expiresAt, order.paidAt ?? 0) + this.settings.retentionMs;
  }

  /** When the object must wake next: expiry of an open order, fulfilment retries. */
  #due(order, fulfilment) {
    const times = TERMINAL.has(order.state) ? [] : [order.expiresAt + 1];
    for (const t of Object.values(fulfilment?.targets ?? {}))
      if (t.nextAt !== null && t.state !== 'done' && t.state !== 'failed') times.push(t.nextAt);
    return times;
  }

  /**
   * After a write: tell live subscribers, mark the ledger row due (the alarm
   * writes it, so no request waits on the ledger), and set the alarm to the
   * next thing due. No I/O here but storage: the writes commit together.
   */
  async #changed(before, after, now) {
    const moved = !before || before.state !== after.state || !before.payment !== !after.payment;
    if (moved) this.#publish(after, now);
    // `creating` lasts one gateway call: the ledger starts at the state the call ends in.
    // A fresh mark each time, so the alarm clears only the mark it wrote the row for.
    if (moved && this.env.LEDGER && after.state !== 'creating')
      await this.#put({ ledgerDue: (this.mark = Math.max(Date.now(), (this.mark ?? 0) + 1)) });
    await this.#schedule(now);
  }

  /** Sets the alarm to the next thing due, from the stored order (never from a copy read before an await). */
  async #schedule(now) {
    const { order, fulfilment, ledgerDue } = await this.#stored();
    if (!order) return;
    const ledger = ledgerDue ? [Math.max(now, this.ledgerRetryAt ?? 0)] : [];
    const at = Math.min(...this.#due(order, fulfilment), ...ledger, this.#purgeAt(order));
    // An alarm already set no later stays: setting one is a write that costs the most of an order's
    // storage work once many objects hold alarms (bench/README.md). When it fires early, the alarm
    // finds nothing due and schedules the next from what is stored then.
    if (this.alarmAt === undefined) this.alarmAt = await this.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.storage.setAlarm(at);
  }

  /** Writes the order's ledger row as stored now; on failure it stays due and the alarm retries after the base delay. */
  async #index(now) {
    const ns = this.env.LEDGER;
    const stored = await this.#stored();
    const { ledgerDue: mark, order, fulfilment } = stored;
    if (!ns || !order) return;
    // Increasing within this object, so the shard keeps the newest row whatever order writes land in.
    const seq = (this.seq = Math.max(Date.now(), (this.seq ?? 0) + 1));
    const state = stateOf(order, now);
    const row = {
      merchantOrderId: order.merchantOrderId,
      seq,
      state,
      gateway: order.gateway,
      amount: order.amount,
      currency: order.currency,
      createdAt: order.createdAt,
      paidAt: order.paidAt ?? null,
      at: state === 'paid' ? order.paidAt : now,
      fulfilment: fulfilment ? fulfilmentView(fulfilment).state : null,
    };
    try {
      await shardFor(ns, order.merchantOrderId).record(row);
      // A change that came in meanwhile left a new mark: that one stays due.
      if (stored.ledgerDue === mark) await this.#delete('ledgerDue');
    } catch {
      this.ledgerRetryAt = now + this.settings.retryBaseMs;
    }
  }

  #publish(order, now) {
    if (!this.subscribers.size) return;
    const view = orderView(order, now);
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
      // A list of keys reads as a Map of those present, as Durable Object storage does.
      if (Array.isArray(key)) return new Map(key.filter((k) => map.has(k)).map((k) => [k, structuredClone(map.get(k))]));
      return structuredClone(map.get(key));
    },
    async put(key, value) {
      const entries = typeof key === 'string' ? { [key]: value } : key;
      for (const [k, v] of Object.entries(entries)) map.set(k, structuredClone(v));
    },
    async delete(key) {
      map.delete(key);
    },
    async deleteAll() {
      map.clear();
    },
    async getAlarm() {
      return null;
    },
    async setAlarm() {},
    async deleteAlarm() {},
  };
}

/**
 * Orders in this isolate's memory: for unit tests only. Other isolates never
 * see them, an eviction forgets them all, and without alarms nothing expires by
 * itself or is fulfilled. Bounded: past `maxOrders` the oldest are forgotten.
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
