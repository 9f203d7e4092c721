// The order ledger for reconciliation: every order's latest state, indexed in
// SHARDS Durable Objects (`CheckoutLedger`, SQLite) chosen by a hash of the order
// id, so no single object — single-threaded by design — carries every write. A
// listing asks every shard and merges. Each order object writes its own row
// (orders.js); a row carries the order's own sequence number, so a late write of
// an older state never overwrites a newer one.

export const SHARDS = 16;
export const MAX_PAGE = 500;

/** FNV-1a: a stable, well-spread shard for an order id. */
export function shardOf(id) {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % SHARDS;
}

export const shardFor = (ns, id) => ns.get(ns.idFromName(`ledger-${shardOf(id)}`));

/** One shard's table, over a Durable Object's `ctx.storage.sql`. */
export class LedgerShard {
  constructor(sql) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS orders (
      id TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL, gateway TEXT NOT NULL, amount TEXT NOT NULL,
      currency TEXT NOT NULL, created_at INTEGER NOT NULL, paid_at INTEGER, at INTEGER NOT NULL, fulfilment TEXT)`);
    sql.exec('CREATE INDEX IF NOT EXISTS by_state_at ON orders (state, at, id)');
  }

  /** Upserts an order's row unless a newer one (higher `seq`) is already there. */
  record(r) {
    this.sql.exec(
      `INSERT INTO orders (id, seq, state, gateway, amount, currency, created_at, paid_at, at, fulfilment)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, state = excluded.state, paid_at = excluded.paid_at,
         at = excluded.at, fulfilment = excluded.fulfilment
       WHERE excluded.seq > orders.seq`,
      r.merchantOrderId,
      r.seq,
      r.state,
      r.gateway,
      r.amount,
      r.currency,
      r.createdAt,
      r.paidAt ?? null,
      r.at,
      r.fulfilment ?? null,
    );
  }

  /** Rows in `state` with `at >= since`, after the cursor `[at, id]`, oldest first. */
  list({ state, since = 0, after = null, limit = 100 }) {
    const [at, id] = after ?? [-1, ''];
    return this.sql
      .exec(
        `SELECT id, state, gateway, amount, currency, created_at, paid_at, at, fulfilment FROM orders
         WHERE state = ? AND at >= ? AND (at > ? OR (at = ? AND id > ?)) ORDER BY at, id LIMIT ?`,
        state,
        since,
        at,
        at,
        id,
        limit,
      )
      .toArray()
      .map((r) => ({
        merchantOrderId: r.id,
        state: r.state,
        gateway: r.gateway,
        amount: r.amount,
        currency: r.currency,
        createdAt: r.created_at,
        paidAt: r.paid_at,
        at: r.at,
        fulfilment: r.fulfilment,
      }));
  }
}

const encodeCursor = (row) => btoa(JSON.stringify([row.at, row.merchantOrderId])).replace(/=+$/, '');
function decodeCursor(text) {
  try {
    const [at, id] = JSON.parse(atob(text));
    if (Number.isFinite(at) && typeof id === 'string') return [at, id];
  } catch {
    /* fall through */
  }
  return undefined;
}

/**
 * A page of the ledger across all shards: `{ orders, nextCursor }`, oldest first
 * by the time of the order's last state change (`paidAt` for paid orders).
 * Throws `{ code: 'invalid_cursor' }` on a cursor it did not write.
 */
export async function listLedger(ns, { state = 'paid', since = 0, cursor = null, limit = 100 }) {
  const after = cursor ? decodeCursor(cursor) : null;
  if (after === undefined) throw Object.assign(new Error('the cursor is not one this ledger wrote'), { code: 'invalid_cursor' });
  const pages = await Promise.all(
    Array.from({ length: SHARDS }, (_, n) => ns.get(ns.idFromName(`ledger-${n}`)).list({ state, since, after, limit: limit + 1 })),
  );
  const rows = pages.flat().sort((a, b) => a.at - b.at || (a.merchantOrderId < b.merchantOrderId ? -1 : 1));
  const orders = rows.slice(0, limit);
  return { orders, nextCursor: rows.length > limit ? encodeCursor(orders.at(-1)) : null };
}
