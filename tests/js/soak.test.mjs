// Load and faults against the worker in workerd: 64 concurrent buyers for
// SOAK_SECONDS (default 60) of checkout → poll → pay → notify → poll, with the
// sandbox gateway killed for a few seconds in the middle and restarted.
// Expect: no errors outside the outage, 502/504 inside it, recovery without a
// worker restart, every notification that was acknowledged ends as `paid`, and
// workerd's memory growing no faster than the orders it stores.
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

const SECONDS = Number(process.env.SOAK_SECONDS || 60);
const CONNECTIONS = 64;
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const ORDERS = [
  { gateway: 'yimafu', payType: '30', sku: 'member-month', quantity: 1 },
  { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t', quantity: 2 },
  { gateway: 'gatepay-io', payType: 'alipay', sku: 'member-month', quantity: 1 },
];

test(`soak: ${CONNECTIONS} buyers for ${SECONDS} s with a gateway outage`, { timeout: (SECONDS + 60) * 1000 }, async () => {
  let sandbox = await sandboxProcess();
  const worker = await startWorkerd({
    port: WORKER_PORT,
    // A small store cap, so the run goes past it: from then on memory must stay flat.
    bindings: workerBindings({ sandboxUrl: `http://127.0.0.1:${SANDBOX_PORT}`, workerPort: WORKER_PORT, pagePort: 18380, env: {}, extraBindings: { MAX_ORDERS: '500' } }),
  });
  const W = worker.url;
  const pid = worker.child.pid;
  const stats = { flows: 0, paidAcked: 0, endedPaid: 0, lost: [], errors: [], outageStatuses: {}, polls: 0, orphaned: 0 };
  let outage = false;
  let stopping = false;
  const rssStart = rssKiB(pid);
  assert.ok(SECONDS >= 30, 'the memory check needs at least 30 s');

  const call = async (path, init) => {
    const res = await fetch(W + path, { ...init, signal: AbortSignal.timeout(10000) });
    return { status: res.status, body: await res.json() };
  };

  async function buyer(n) {
    while (!stopping) {
      const order = ORDERS[n % ORDERS.length];
      const wasOutage = outage;
      let r;
      try {
        r = await call('/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
      } catch (e) {
        stats.errors.push(`checkout threw ${e.message}`);
        continue;
      }
      if (r.status !== 200) {
        if (wasOutage || outage) {
          stats.outageStatuses[r.status] = (stats.outageStatuses[r.status] ?? 0) + 1;
          await new Promise((res) => setTimeout(res, 50));
        } else stats.errors.push(`checkout ${r.status} ${r.body.error?.code}`);
        continue;
      }
      const id = r.body.payment.merchantOrderId;
      const link = r.body.payment.show.content ?? r.body.payment.show.link ?? '';
      const sandboxId = link.split('/pay/')[1];
      stats.flows += 1;
      const poll = await call(`/orders/${id}`);
      stats.polls += 1;
      if (poll.status !== 200 || poll.body.state !== 'pending') stats.errors.push(`poll ${poll.status} ${poll.body.state}`);
      // "Scan and pay": open the QR's link and press pay; the gateway notifies the worker.
      let page;
      try {
        page = await (await fetch(link, { method: 'POST', signal: AbortSignal.timeout(10000) })).text();
      } catch {
        stats.orphaned += 1; // the gateway died between checkout and payment
        continue;
      }
      const acked = /merchant answered HTTP (\d+)/.exec(page)?.[1];
      if (!acked) { stats.orphaned += 1; continue; } // an order of the killed sandbox: unknown to the new one
      if (acked !== '200') { stats.errors.push(`notify answered ${acked}`); continue; }
      stats.paidAcked += 1;
      const after = await call(`/orders/${id}`);
      stats.polls += 1;
      if (after.body.state === 'paid') stats.endedPaid += 1;
      else stats.lost.push(id);
    }
  }

  const buyers = Array.from({ length: CONNECTIONS }, (_, i) => buyer(i));
  // workerd's V8 heap first grows to its working size (≈260 MiB here even under
  // stateless GETs), then plateaus: memory is judged on samples after that.
  const samples = [];
  const sampler = setInterval(() => samples.push(rssKiB(pid)), 2000);
  const outageAt = Math.floor(SECONDS * 0.4) * 1000;
  const outageMs = Math.min(5000, SECONDS * 100);
  await new Promise((r) => setTimeout(r, outageAt));
  // Kill the gateway mid-run …
  outage = true;
  const flowsBefore = stats.flows;
  sandbox.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, outageMs));
  // … and bring it back on the same port; the worker is not restarted.
  sandbox = await sandboxProcess();
  outage = false;
  await new Promise((r) => setTimeout(r, SECONDS * 1000 - outageAt - outageMs));
  stopping = true;
  await Promise.all(buyers);
  clearInterval(sampler);
  const rssEnd = rssKiB(pid);
  sandbox.kill('SIGTERM');
  await worker.stop();

  const third = Math.floor(samples.length / 3);
  const peak = (xs) => Math.max(...xs);
  const middlePeak = peak(samples.slice(third, 2 * third));
  const lastPeak = peak(samples.slice(2 * third));
  console.log(`soak: ${stats.flows} checkouts (${(stats.flows / SECONDS).toFixed(0)}/s), ${stats.polls} polls, ${stats.paidAcked} notifications acknowledged, `
    + `${stats.endedPaid} ended paid, ${stats.orphaned} orphaned by the outage, ${stats.errors.length} errors, outage answers ${JSON.stringify(stats.outageStatuses)}, `
    + `workerd RSS ${rssStart} → ${rssEnd} KiB, peak of middle third ${middlePeak}, of last third ${lastPeak} (samples: ${samples.map((k) => k >> 10).join(' ')} MiB)`);
  assert.deepEqual(stats.errors.slice(0, 5), [], 'no errors outside the outage');
  assert.deepEqual(stats.lost, [], 'every acknowledged notification ends as paid');
  assert.equal(stats.endedPaid, stats.paidAcked);
  assert.ok(Object.keys(stats.outageStatuses).length > 0, 'the outage was felt');
  assert.ok(Object.keys(stats.outageStatuses).every((s) => s === '502' || s === '504'), JSON.stringify(stats.outageStatuses));
  assert.ok(stats.flows > flowsBefore + 10, 'the worker recovered without a restart');
  // Flat after warm-up: the store is capped (MAX_ORDERS=500), so a leak would
  // keep climbing through the last third.
  assert.ok(lastPeak <= middlePeak * 1.25, `RSS still climbing: ${middlePeak} → ${lastPeak} KiB`);
});
