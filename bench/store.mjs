// The order store under load: checkout and notify through workerd with the
// Durable Object store (SQLite on local disk) beside the in-memory fallback, in
// the same run; and the whole worker beside the whole plain-JS worker.
// `node bench/store.mjs` runs the store part alone (`ledger`, `whole`: those parts).
import { startStack } from '../sandbox/stack.mjs';
import { existsSync, rmSync } from 'node:fs';
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

/**
 * Open loop: `rate` requests a second for `seconds`, each sent when due whatever
 * the earlier ones are doing; latency from when it was due (no coordinated omission).
 */
async function openLoop(make, rate, seconds) {
  const latencies = [];
  const pending = [];
  let errors = 0;
  const t0 = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const [url, init] = make(i);
    pending.push(
      fetch(url, init)
        .then(async (r) => {
          await r.arrayBuffer();
          if (!r.ok) errors += 1;
        })
        .catch(() => (errors += 1))
        .finally(() => latencies.push(performance.now() - due)),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

/** The plain-JS worker a shop would write (bench/reference/worker.js), with its one Durable Object class. */
const REFERENCE_WORKER = {
  modules: [
    ['bench/reference/worker.js', 'esModule'],
    ['bench/reference/edge.js', 'esModule'],
    ['worker/catalog.js', 'esModule'],
  ],
  objects: [['ORDERS', 'CheckoutOrder']],
};

/** Checkout then notify `count` orders against one store (or one worker); returns both measurements. */
async function measure(durable, count, port, workerd = durable ? {} : { ordersDir: null }, openRates = []) {
  const stack = await startStack({
    page: false,
    workerPort: port,
    sandboxPort: port + 1,
    pagePort: port + 2,
    workerd,
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
    const open = {};
    for (const rate of openRates)
      open[rate] = await openLoop(
        () => [`${W}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ORDER }],
        rate,
        Number(process.env.BENCH_OPEN_SECONDS || 5),
      );
    return { checkout, notify, open, orders: ids.length };
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

/**
 * The whole worker against the whole plain-JS worker (bench/reference/worker.js): the same
 * routes, sandbox and Durable Object store — ours without its optional ledger (the reference
 * has no order listing), and with it beside; closed loop (64 at a time) for req/s, then open
 * loops at fixed rates for the latency a steady load sees.
 */
export async function wholeWorkerBench(row, count = Number(process.env.BENCH_STORE_ORDERS || 3000)) {
  const rates = (process.env.BENCH_OPEN_RATES || '100,500').split(',').map(Number);
  console.log(
    `\n# Whole worker: ours beside the plain-JS worker, ${count} checkouts and notifications, then open loops at ${rates.join(', ')} req/s`,
  );
  const sameRoutes = {
    objects: [
      ['ORDERS', 'CheckoutOrder'],
      ['LIMITER', 'CheckoutLimiter'],
    ],
  };
  const ours = await measure(true, count, 28917, sameRoutes, rates);
  const ref = await measure(true, count, 28927, REFERENCE_WORKER, rates);
  const ledger = await measure(true, count, 28937);
  // The same two workers with their SQLite files in memory (tmpfs): what is left without this machine's disk.
  const shm = existsSync('/dev/shm') ? (port) => ({ ordersDir: `/dev/shm/qrcheckout-bench-${port}` }) : null;
  let inMemory = null;
  if (shm)
    try {
      inMemory = {
        ours: await measure(true, count, 28947, { ...sameRoutes, ...shm(28947) }),
        ref: await measure(true, count, 28957, { ...REFERENCE_WORKER, ...shm(28957) }),
      };
    } finally {
      for (const port of [28947, 28957]) rmSync(shm(port).ordersDir, { recursive: true, force: true });
    }
  const f1 = (x) => x.toFixed(1);
  for (const step of ['checkout', 'notify']) {
    const [o, r] = [ours[step], ref[step]];
    row(
      'whole worker',
      `${step}, Durable Object store, 64 at a time: req/s · p99`,
      `${f1(o.rps)} · ${f1(o.p99)} ms`,
      `plain-JS worker ${f1(r.rps)} · ${f1(r.p99)} ms`,
      `${(o.rps / r.rps).toFixed(2)}×`,
      '≥ 1.0×',
    );
    if (o.errors || r.errors) row('whole worker', `${step}: errors (ours / plain JS)`, `${o.errors} / ${r.errors}`, '', '', '0');
    const l = ledger[step];
    row(
      'whole worker',
      `… ours with the ledger (a row per order change, off the request path)`,
      `${f1(l.rps)} · ${f1(l.p99)} ms`,
      `plain-JS worker ${f1(r.rps)} · ${f1(r.p99)} ms`,
      `${(l.rps / r.rps).toFixed(2)}×`,
    );
    if (inMemory) {
      const [m, n] = [inMemory.ours[step], inMemory.ref[step]];
      row(
        'whole worker',
        `… both with their SQLite files on tmpfs (the disk taken out)`,
        `${f1(m.rps)} · ${f1(m.p99)} ms`,
        `plain-JS worker ${f1(n.rps)} · ${f1(n.p99)} ms`,
        `${(m.rps / n.rps).toFixed(2)}×`,
      );
    }
  }
  for (const rate of rates) {
    const [o, r] = [ours.open[rate], ref.open[rate]];
    row(
      'whole worker',
      `checkout at ${rate} req/s offered (open loop): p50 / p99`,
      `${f1(o.p50)} / ${f1(o.p99)} ms${o.errors ? ` (${o.errors} errors)` : ''}`,
      `plain-JS worker ${f1(r.p50)} / ${f1(r.p99)} ms${r.errors ? ` (${r.errors} errors)` : ''}`,
      `${(r.p99 / o.p99).toFixed(2)}×`,
      'p99 < 20 ms',
    );
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
  const part = process.argv[2];
  if (part === 'whole') await wholeWorkerBench(print);
  else {
    if (part !== 'ledger') await storeBench(print);
    await ledgerBench(print);
  }
}
