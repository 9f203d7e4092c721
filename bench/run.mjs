// `make bench`: every performance figure with its competitor measured in the same
// run, printed as a table (README's Performance section is pasted from it).
// BENCH_SECONDS (default 20) sets the throughput run's length.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from '../sandbox/workerd.mjs';
import { startStack } from '../sandbox/stack.mjs';
import { storeBench, ledgerBench, wholeWorkerBench } from './store.mjs';
import { timeToQrBench } from './time-to-qr.mjs';
import { qrBench } from './qr.mjs';
import { edgeBench } from './edge.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const rows = [];
const row = (area, figure, value, competitor = '', ratio = '', goal = '') => {
  rows.push({ area, figure, value, competitor, ratio, goal });
  console.log(`  ${figure}: ${value}${competitor ? ` | ${competitor}` : ''}${ratio ? ` | ${ratio}` : ''}${goal ? ` | goal ${goal}` : ''}`);
};
const f1 = (x) => x.toFixed(1);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------- browser entry sizes, QR speed ----------
await qrBench(row);
const worker = readFileSync(root + 'pkg/worker/qrcheckout_bg.wasm');
row('size', 'worker .wasm raw / gzip', `${kb(worker.length)} / ${kb(gzipSync(worker, { level: 9 }).length)}`);

// ---------- the edge checkout and notification paths against plain JS ----------
await edgeBench(row);

// ---------- signing + cold start inside workerd ----------
console.log('\n# Inside workerd (timed from outside: workerd stops the clock during a request)');
const wd = await startWorkerd({
  port: 28790,
  readyPath: '/',
  modules: [
    ['bench/worker-bench.js', 'esModule'],
    ['pkg/worker.js', 'esModule'],
    ['pkg/worker/qrcheckout.js', 'esModule'],
    ['pkg/worker/qrcheckout_bg.wasm', 'wasm'],
  ],
});
try {
  const perOp = async (path, n) => {
    const once = async (p, k) => {
      const t0 = performance.now();
      await (await fetch(`${wd.url}${p}?n=${k}`)).text();
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) {
      await once(path, Math.min(n, 200));
      await once('/empty', 1);
    }
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push((await once(path, n)) - (await once('/empty', 1)));
    return (median(samples) * 1000) / n;
  };
  const ours = await perOp('/wasm', 5000);
  const webcrypto = await perOp('/webcrypto', 5000);
  row(
    'workerd',
    // The separate exports a shop may call itself; the worker's own path is one `Shop.checkout` (edge.mjs rows).
    'GatePay build + sign per order, separate exports buildOrder + signRequest (workerd)',
    `${f1(ours)} µs`,
    `WebCrypto JS ${f1(webcrypto)} µs`,
    `${f1(webcrypto / ours)}×`,
  );
  const signOnly = await perOp('/wasm-sign', 5000);
  const subtleOnly = await perOp('/webcrypto-sign', 5000);
  row(
    'workerd',
    'HMAC-SHA512 signature only (workerd)',
    `${f1(signOnly)} µs`,
    `crypto.subtle ${f1(subtleOnly)} µs`,
    `${f1(subtleOnly / signOnly)}×`,
  );
  const inst = await perOp('/instantiate', 200);
  row('workerd', 'cold start: instantiate worker wasm (workerd)', `${(inst / 1000).toFixed(2)} ms`, '', '', '≤ 5 ms');
} finally {
  await wd.stop();
}

// ---------- throughput ----------
const seconds = Number(process.env.BENCH_SECONDS || 20);
console.log(`\n# POST /checkout through workerd to the sandbox, 64 connections, ${seconds} s`);
const stack = await startStack({ page: false, workerPort: 28787, sandboxPort: 28788, env: {} });
try {
  const cannon = (args) =>
    new Promise((resolve, reject) => {
      const child = spawn(root + 'node_modules/.bin/autocannon', ['-j', '-c', '64', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
      let s = '';
      child.stdout.on('data', (d) => {
        s += d;
      });
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(s)) : reject(new Error(`autocannon exited ${code}`))));
    });
  const out = await cannon([
    '-d',
    String(seconds),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-b',
    JSON.stringify({ gateway: 'yimafu', payType: '30', sku: 'member-month', quantity: 1 }),
    `${stack.urls.worker}/checkout`,
  ]);
  const errors = out.errors + out.timeouts + (out.non2xx ?? 0);
  row('throughput', 'req/s (mean)', f1(out.requests.average), '', '', '≥ 5000');
  row('throughput', 'latency p50 / p99', `${out.latency.p50} ms / ${out.latency.p99} ms`, '', '', 'p99 < 20 ms');
  row('throughput', 'errors (incl. non-2xx, timeouts)', String(errors), '', '', '0');
  row('throughput', 'orders the sandbox saw', String(stack.sandbox.orders.size));
  // The worker's own ceiling on this machine, with no upstream call, for scale.
  const alone = await cannon(['-d', String(Math.max(3, Math.round(seconds / 4))), `${stack.urls.worker}/catalog`]);
  row('throughput', 'reference: GET /catalog, worker alone', `${f1(alone.requests.average)} req/s, p99 ${alone.latency.p99} ms`);
} finally {
  await stack.stop();
}

await timeToQrBench(row);
await storeBench(row);
await wholeWorkerBench(row);
await ledgerBench(row);

const machine = `${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}`;
console.log(`\n## Performance (${machine}, ${new Date().toISOString().slice(0, 10)})\n`);
console.log('| figure | qrcheckout | competitor (same run) | ratio | goal |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.figure} | ${r.value} | ${r.competitor} | ${r.ratio} | ${r.goal} |`);
writeFileSync(root + 'target/bench.json', JSON.stringify({ machine, rows }, null, 2));
