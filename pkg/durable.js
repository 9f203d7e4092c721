// The Durable Object that owns one order (one object per merchant order id,
// `idFromName`). Cloudflare runs exactly one instance of it at a time and
// serialises its storage calls, so a notification racing its retries — or the
// create-order reply — cannot interleave. SQLite-backed: declare it with a
// `new_sqlite_classes` migration and export it from the worker's entry:
//   export { CheckoutOrder, CheckoutLimiter, CheckoutLedger } from 'qrcheckout/worker/durable';
import { DurableObject } from 'cloudflare:workers';
import wasm from './worker/qrcheckout_bg.wasm';
import { init } from './worker.js';
import { OrderObject, orderSettings } from './orders.js';
import { TokenBucket } from './limiter.js';
import { LedgerShard } from './ledger.js';

export class CheckoutOrder extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    init(wasm);
    this.order = new OrderObject(ctx.storage, orderSettings(env), env);
  }

  begin(args) {
    return this.order.begin(args);
  }

  settle(args) {
    return this.order.settle(args);
  }

  notify(args) {
    return this.order.notify(args);
  }

  view(now) {
    return this.order.view(now);
  }

  fetch(request) {
    return this.order.fetch(request);
  }

  alarm() {
    return this.order.alarm(Date.now());
  }
}

/**
 * One client IP's order-creation bucket (`idFromName(ip)`). Kept in memory: an
 * evicted object was idle long enough for its bucket to have refilled anyway.
 */
export class CheckoutLimiter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.bucket = new TokenBucket();
  }

  take(now, settings) {
    return this.bucket.take(now, settings);
  }
}

/** One shard of the order ledger (`idFromName('ledger-<n>')`), SQLite. */
export class CheckoutLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.shard = new LedgerShard(ctx.storage.sql);
  }

  record(row) {
    return this.shard.record(row);
  }

  list(query) {
    return this.shard.list(query);
  }
}
