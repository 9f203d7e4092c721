// Runs inside workerd for bench/store.mjs: `n` ledger writes, `concurrency` at a
// time, to one shard (`/one`) or spread over all shards by order id (`/all`).
// The caller times the request from outside (workerd stops the clock inside).
import { shardFor } from '../pkg/ledger.js';

export { CheckoutLedger } from '../pkg/durable.js';

const row = (i, run) => ({
  merchantOrderId: `QCBENCH${run}${String(i).padStart(8, '0')}`,
  seq: 1,
  state: 'paid',
  gateway: 'yimafu',
  amount: '9.90',
  currency: 'CNY',
  createdAt: i,
  paidAt: i,
  at: i,
  fulfilment: null,
});

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') || 1000);
    const concurrency = Number(url.searchParams.get('c') || 64);
    const run = Math.random().toString(36).slice(2, 8);
    const one = env.LEDGER.get(env.LEDGER.idFromName('ledger-0'));
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const r = row(next++, run);
          await (url.pathname === '/one' ? one : shardFor(env.LEDGER, r.merchantOrderId)).record(r);
        }
      }),
    );
    return new Response('ok');
  },
};
