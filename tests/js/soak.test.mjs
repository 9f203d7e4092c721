// Load and faults against the worker in workerd with its Durable Object order
// store on disk: 64 concurrent buyers for SOAK_SECONDS (default 60) of
// checkout → poll → pay → notify → poll. In the middle the sandbox gateway is
// SIGKILLed and restarted, and later workerd itself is SIGKILLed and restarted
// on the same storage. The assertions are about data, not speed: every flow
// outside the two outages ends acknowledged and `paid`; after the run every
// order ever created still exists and every acknowledged payment is `paid`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workerBindings } from '../../sandbox/stack.mjs';
import { startWorkerd } from '../../sandbox/workerd.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SANDBOX_PORT = 18388;
const WORKER_PORT = 18387;
const SECONDS = Number(process.env.SOAK_SECONDS || 60);
const CONNECTIONS = 64;
// A flow that started or ended this close to an outage may have been cut by it.
const GRACE_MS = 1000;
const ORDERS = [
  { gateway: 'yimafu', payType: '30', sku: 'member-month', quantity: 1 },
  { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t', quantity: 2 },
  { gateway: 'gatepay-io', payType: 'alipay', sku: 'member-month', quantity: 1 },
];
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The sandbox in its own process, so it can really be killed. */
function sandboxProcess() {
  const child = spawn(process.execPath, [`${root}sandbox/gateway.mjs`], {
    env: { ...process.env, SANDBOX_PORT: String(SANDBOX_PORT), MERCHANT_BASE: `http://127.0.0.1:${WORKER_PORT}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
}

test(`soak: ${CONNECTIONS} buyers for ${SECONDS} s, a gateway outage and a worker crash`, { timeout: (SECONDS + 180) * 1000 }, async () => {
  assert.ok(SECONDS >= 20, 'two outages need at least 20 s');
  let sandbox = await sandboxProcess();
  const bindings = workerBindings({ sandboxUrl: `http://127.0.0.1:${SANDBOX_PORT}`, workerPort: WORKER_PORT, pagePort: 18380 });
  let worker = await startWorkerd({ port: WORKER_PORT, bindings });
  const { ordersDir } = worker;
  const W = worker.url;
  const outages = []; // [from, to] in ms since the epoch
  const flows = [];
  const created = new Set();
  const acknowledged = new Set();
  let stopping = false;

  const call = async (path, init) => {
    const res = await fetch(W + path, { ...init, signal: AbortSignal.timeout(30000) });
    return { status: res.status, body: await res.json() };
  };

  async function flow(order) {
    const f = { start: Date.now(), outcome: 'paid' };
    flows.push(f);
    const fail = (outcome) => {
      f.outcome = outcome;
    };
    try {
      const r = await call('/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
      if (r.status !== 200) return fail(`checkout ${r.status} ${r.body.error?.code}`);
      const id = r.body.payment.merchantOrderId;
      created.add(id);
      const poll = await call(`/orders/${id}`);
      if (poll.status !== 200 || poll.body.state !== 'pending') return fail(`poll ${poll.status} ${poll.body.state}`);
      // "Scan and pay": open the QR's link and press pay; the gateway notifies the worker.
      const link = r.body.payment.show.content ?? r.body.payment.show.link;
      const page = await (await fetch(link, { method: 'POST', signal: AbortSignal.timeout(30000) })).text();
      const acked = /merchant answered HTTP (\d+)/.exec(page)?.[1];
      if (acked !== '200') return fail(`notify not acknowledged (${acked ?? page.slice(0, 60)})`);
      acknowledged.add(id);
      const after = await call(`/orders/${id}`);
      if (after.body.state !== 'paid') fail(`acknowledged but ${after.body.state}`);
    } catch (e) {
      fail(`threw ${e.cause?.code ?? e.name}`);
    } finally {
      f.end = Date.now();
    }
  }

  async function buyer(n) {
    while (!stopping) {
      await flow(ORDERS[n % ORDERS.length]);
      // Keep a failing buyer from spinning while a service is down.
      if (flows.at(-1).outcome !== 'paid') await sleep(50);
    }
  }

  const t0 = Date.now();
  const until = (fraction) => sleep(Math.max(0, t0 + SECONDS * 1000 * fraction - Date.now()));
  const buyers = Array.from({ length: CONNECTIONS }, (_, i) => buyer(i));
  const rssStart = rssKiB(worker.child.pid);

  // The gateway dies for 5 s at 30 % of the run and comes back; the worker is not restarted.
  await until(0.3);
  const gatewayDown = Date.now();
  sandbox.kill('SIGKILL');
  await sleep(5000);
  sandbox = await sandboxProcess();
  outages.push([gatewayDown, Date.now()]);

  // workerd is SIGKILLed at 65 % and restarted on the same storage.
  await until(0.65);
  const rssBeforeCrash = rssKiB(worker.child.pid);
  const workerDown = Date.now();
  worker.child.kill('SIGKILL');
  await new Promise((r) => worker.child.once('exit', r));
  worker = await startWorkerd({ port: WORKER_PORT, bindings, ordersDir, keepOrders: true });
  outages.push([workerDown, Date.now()]);

  await until(1);
  stopping = true;
  await Promise.all(buyers);

  // Every order ever created still exists; every acknowledged payment is paid.
  const missing = [];
  const unpaid = [];
  const ids = [...created];
  for (let i = 0; i < ids.length; i += 32) {
    await Promise.all(
      ids.slice(i, i + 32).map(async (id) => {
        const r = await call(`/orders/${id}`);
        if (r.status !== 200) missing.push(id);
        else if (acknowledged.has(id) && r.body.state !== 'paid') unpaid.push(`${id} ${r.body.state}`);
      }),
    );
  }
  const rssEnd = rssKiB(worker.child.pid);
  sandbox.kill('SIGTERM');
  await worker.stop();

  const cut = (f) => outages.some(([from, to]) => f.start <= to + GRACE_MS && f.end >= from - GRACE_MS);
  const outside = flows.filter((f) => !cut(f));
  const failedOutside = outside.filter((f) => f.outcome !== 'paid');
  const inside = flows.filter(cut);
  const tally = (fs) => fs.reduce((m, f) => ({ ...m, [f.outcome]: (m[f.outcome] ?? 0) + 1 }), {});
  console.log(
    `soak: ${flows.length} flows (${(flows.length / SECONDS).toFixed(0)}/s), ${created.size} orders created, ` +
      `${acknowledged.size} notifications acknowledged; ` +
      `outside the outages ${outside.length} flows ${JSON.stringify(tally(outside))}; ` +
      `during them ${inside.length} flows ${JSON.stringify(tally(inside))}; ` +
      `after restart: ${missing.length} orders missing, ${unpaid.length} acknowledged but unpaid; ` +
      `workerd RSS ${rssStart >> 10} → ${rssBeforeCrash >> 10} MiB before the crash, ` +
      `${rssEnd >> 10} MiB at the end (printed, not judged)`,
  );

  assert.deepEqual(missing.slice(0, 5), [], 'every created order survives the crash');
  assert.deepEqual(unpaid.slice(0, 5), [], 'every acknowledged notification ends as paid');
  assert.deepEqual(
    failedOutside.slice(0, 5).map((f) => f.outcome),
    [],
    'outside the outages every flow ends acknowledged and paid',
  );
  assert.ok(outside.length >= flows.length / 2, `most flows ran outside the outages (${outside.length} of ${flows.length})`);
  assert.ok(acknowledged.size >= outside.length, 'acknowledged payments are counted, not assumed');
  assert.ok(
    inside.some((f) => f.outcome !== 'paid'),
    'the outages were felt',
  );
  assert.ok(
    outside.some((f) => f.start > outages[1][1] + GRACE_MS),
    'flows completed after the worker restarted',
  );
});
