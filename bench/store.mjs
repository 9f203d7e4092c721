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

// Local workerd closes a Durable Object left idle for about ten seconds (measured: notifications
// to 1,000 orders ran at 1,139–1,158/s right after their checkouts and at 389–442/s after 9–20 s, for
// either worker). Without a pause, which orders are still open depended on how long the checkouts
// took, and the slower worker's notifications looked 3× slower. So each regime is measured as such.
const IDLE_MS = Number(process.env.BENCH_IDLE_MS || 12000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Checkouts of `count` orders; notifications to the last third at once (their objects still open),
 * then, after the objects are closed, to the rest (as when a buyer pays a minute after the QR shows);
 * then open loops at `openRates`.
 */
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
    const post = (n) => [n.url, { method: 'POST', headers: n.headers, body: n.body }];
    const recent = notes.length - Math.floor(notes.length / 3);
    const notifyOpen = await load((i) => post(notes[recent + i]), notes.length - recent);
    if (durable) await sleep(IDLE_MS);
    const notify = await load((i) => post(notes[i]), recent);
    const open = {};
    for (const rate of openRates)
      open[rate] = await openLoop(
        () => [`${W}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ORDER }],
        rate,
        Number(process.env.BENCH_OPEN_SECONDS || 5),
      );
    return { checkout, notifyOpen, notify, open, orders: ids.length };
  } finally {
    await stack.stop();
  }
}

/** The measured steps and how a row names them. */
const STEPS = [
  ['checkout', 'checkout'],
  ['notifyOpen', 'notify, to open orders (the last third, at once)'],
  ['notify', 'notify, to idle orders (the rest, their objects closed)'],
];

export async function storeBench(row, count = Number(process.env.BENCH_STORE_ORDERS || 3000)) {
  console.log(`\n# Order store: ${count} checkouts, then their ${count} notifications, 64 concurrent, workerd + sandbox on this machine`);
  const memory = await measure(false, count, 28887);
  const durable = await measure(true, count, 28897);
  const f1 = (x) => x.toFixed(1);
  for (const [step, name] of STEPS) {
    const d = durable[step];
    const m = memory[step];
    row(
      'store',
      `${name}: Durable Object store, req/s · p50 / p99`,
      `${f1(d.rps)} · ${f1(d.p50)} / ${f1(d.p99)} ms`,
      `memory store ${f1(m.rps)} · ${f1(m.p50)} / ${f1(m.p99)} ms`,
      `${(d.rps / m.rps).toFixed(2)}×`,
    );
    if (d.errors || m.errors) row('store', `${name}: errors (durable / memory)`, `${d.errors} / ${m.errors}`, '', '', '0');
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
  // This machine's disk moves a single run by a third: the two workers take turns, and each figure is the
  // median of their rounds (three, so one slow round cannot move it), every round's ratio beside it.
  const rounds = Math.max(1, Number(process.env.BENCH_WHOLE_ROUNDS || 3));
  console.log(
    `\n# Whole worker: ours beside the plain-JS worker, ${count} checkouts and notifications, ` +
      `then open loops at ${rates.join(', ')} req/s; ${rounds} rounds each, taking turns`,
  );
  const sameRoutes = {
    objects: [
      ['ORDERS', 'CheckoutOrder'],
      ['LIMITER', 'CheckoutLimiter'],
    ],
  };
  const ours = [];
  const ref = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(await measure(true, count, 28917 + 100 * r, sameRoutes, rates));
    ref.push(await measure(true, count, 28927 + 100 * r, REFERENCE_WORKER, rates));
  }
  const ledger = await measure(true, count, 28937);
  // The same two workers with their SQLite files in memory (tmpfs): what is left without this machine's disk.
  const shm = existsSync('/dev/shm') ? (port) => ({ ordersDir: `/dev/shm/qrcheckout-bench-${port}` }) : null;
  let inMemory = null;
  if (shm)
    try {
      inMemory = {
        ours: await measure(true, count, 28947, { ...sameRoutes, ...shm(28947) }, rates),
        ref: await measure(true, count, 28957, { ...REFERENCE_WORKER, ...shm(28957) }, rates),
      };
    } finally {
      for (const port of [28947, 28957]) rmSync(shm(port).ordersDir, { recursive: true, force: true });
    }
  const f1 = (x) => x.toFixed(1);
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const each = (xs) => (rounds > 1 ? ` (rounds: ${xs.join(', ')})` : '');
  // Every failed request of the runs `xs` (one measurement each), and that count as a figure's suffix.
  const errors = (xs) => xs.reduce((n, x) => n + x.errors, 0);
  const failed = (xs) => (errors(xs) ? ` (${errors(xs)} errors)` : '');
  for (const [step, name] of STEPS) {
    const [o, r] = [ours.map((x) => x[step]), ref.map((x) => x[step])];
    const [ors, rrs] = [median(o.map((x) => x.rps)), median(r.map((x) => x.rps))];
    row(
      'whole worker',
      `${name}, Durable Object store, 64 at a time: req/s · p99`,
      `${f1(ors)} · ${f1(median(o.map((x) => x.p99)))} ms`,
      `plain-JS worker ${f1(rrs)} · ${f1(median(r.map((x) => x.p99)))} ms`,
      `${(ors / rrs).toFixed(2)}×${each(o.map((x, i) => `${(x.rps / r[i].rps).toFixed(2)}×`))}`,
      '≥ 1.0×',
    );
    if (errors(o) || errors(r)) row('whole worker', `${name}: errors (ours / plain JS)`, `${errors(o)} / ${errors(r)}`, '', '', '0');
    const l = ledger[step];
    row(
      'whole worker',
      `… ours with the ledger (a row per order change, off the request path)`,
      `${f1(l.rps)} · ${f1(l.p99)} ms`,
      `plain-JS worker ${f1(rrs)} (median)`,
      `${(l.rps / rrs).toFixed(2)}×`,
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
    const [o, r] = [ours.map((x) => x.open[rate]), ref.map((x) => x.open[rate])];
    const [op99, rp99] = [median(o.map((x) => x.p99)), median(r.map((x) => x.p99))];
    row(
      'whole worker',
      `checkout at ${rate} req/s offered (open loop): p50 / p99`,
      `${f1(median(o.map((x) => x.p50)))} / ${f1(op99)} ms${failed(o)}${each(o.map((x) => `${f1(x.p99)} ms`))}`,
      `plain-JS worker ${f1(median(r.map((x) => x.p50)))} / ${f1(rp99)} ms${failed(r)}`,
      `${(rp99 / op99).toFixed(2)}×`,
      'p99 < 20 ms',
    );
    if (inMemory) {
      const [m, n] = [inMemory.ours.open[rate], inMemory.ref.open[rate]];
      row(
        'whole worker',
        `… both on tmpfs`,
        `${f1(m.p50)} / ${f1(m.p99)} ms${failed([m])}`,
        `plain-JS worker ${f1(n.p50)} / ${f1(n.p99)} ms${failed([n])}`,
        `${(n.p99 / m.p99).toFixed(2)}×`,
      );
    }
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
