// The order store under load: checkout and notify through workerd with the
// Durable Object store (SQLite on local disk) beside the in-memory fallback, in
// the same run. `node bench/store.mjs` runs this part alone.
import { startStack } from '../sandbox/stack.mjs';
import { startWorkerd } from '../sandbox/workerd.mjs';

const percentile = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** Sends `count` requests made by `make(i)` from `concurrency` loops; req/s and latency percentiles. */
async function load(make, count, concurrency = 64) {
  const latencies = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const [url, init] = make(i);
        const s = performance.now();
        try {
          const r = await fetch(url, init);
          await r.arrayBuffer();
          if (!r.ok) errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

const ORDER = JSON.stringify({ gateway: 'yimafu', payType: '30', sku: 'member-month', quantity: 1 });

/** Checkout then notify `count` orders against one store; returns both measurements. */
async function measure(durable, count, port) {
  const stack = await startStack({
    page: false,
    workerPort: port,
    sandboxPort: port + 1,
    pagePort: port + 2,
    workerd: durable ? {} : { ordersDir: null },
  });
  try {
    const W = stack.urls.worker;
    const ids = [];
    const checkout = await load(
      () => [`${W}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ORDER }],
      count,
    );
    for (const o of stack.sandbox.orders.values()) ids.push(o.id);
    const notes = ids.map((id) => stack.sandbox.notification(id));
    const notify = await load((i) => [notes[i].url, { method: 'POST', headers: notes[i].headers, body: notes[i].body }], notes.length);
    return { checkout, notify, orders: ids.length };
  } finally {
    await stack.stop();
  }
}

export async function storeBench(row, count = Number(process.env.BENCH_STORE_ORDERS || 3000)) {
  console.log(`\n# Order store: ${count} checkouts, then their ${count} notifications, 64 concurrent, workerd + sandbox on this machine`);
  const memory = await measure(false, count, 28887);
  const durable = await measure(true, count, 28897);
  const f1 = (x) => x.toFixed(1);
  for (const step of ['checkout', 'notify']) {
    const d = durable[step];
    const m = memory[step];
    row(
      'store',
      `${step}: Durable Object store, req/s · p50 / p99`,
      `${f1(d.rps)} · ${f1(d.p50)} / ${f1(d.p99)} ms`,
      `memory store ${f1(m.rps)} · ${f1(m.p50)} / ${f1(m.p99)} ms`,
      `${(d.rps / m.rps).toFixed(2)}×`,
    );
    if (d.errors || m.errors) row('store', `${step}: errors (durable / memory)`, `${d.errors} / ${m.errors}`, '', '', '0');
  }
}

/** Ledger writes a second: into one shard (its ceiling) and spread over all of them. */
export async function ledgerBench(row, n = Number(process.env.BENCH_LEDGER_WRITES || 4000)) {
  console.log(`\n# Ledger: ${n} writes, 64 at a time, one workerd process on local disk`);
  const modules = [
    ['bench/ledger-bench.js', 'esModule'],
    ['pkg/ledger.js', 'esModule'],
    ['pkg/durable.js', 'esModule'],
    ['pkg/orders.js', 'esModule'],
    ['pkg/limiter.js', 'esModule'],
    ['pkg/webhook.js', 'esModule'],
    ['pkg/worker.js', 'esModule'],
    ['pkg/worker/qrcheckout.js', 'esModule'],
    ['pkg/worker/qrcheckout_bg.wasm', 'wasm'],
  ];
  const wd = await startWorkerd({ port: 28907, modules, readyPath: '/one?n=1&c=1' });
  try {
    const rate = async (path) => {
      const t0 = performance.now();
      const r = await fetch(`${wd.url}${path}?n=${n}&c=64`);
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return n / ((performance.now() - t0) / 1000);
    };
    const one = await rate('/one');
    const all = await rate('/all');
    row('ledger', 'ledger writes/s, one shard', one.toFixed(0), '', '', '');
    row('ledger', 'ledger writes/s, 16 shards', all.toFixed(0), 'one shard', `${(all / one).toFixed(2)}×`, '');
  } finally {
    await wd.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const print = (...r) => console.log(r.filter(Boolean).join(' | '));
  if (process.argv[2] !== 'ledger') await storeBench(print);
  await ledgerBench(print);
}
