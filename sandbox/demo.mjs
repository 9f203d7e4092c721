// `make demo`: sandbox gateway + checkout worker (workerd) + the page, on loopback.
// Ctrl-C stops all three. GATEPAY_* / YIMAFU_* variables (or worker/.dev.vars)
// point the worker at real gateways instead of the sandbox.
import { fileURLToPath } from 'node:url';
import { startStack } from './stack.mjs';

const port = (name, fallback) => Number(process.env[name] || fallback);
// Orders on disk in a git-ignored folder: a restarted demo still knows them.
const ordersDir = fileURLToPath(new URL('../target/demo-orders', import.meta.url));
const stack = await startStack({
  pagePort: port('PAGE_PORT', 8080),
  workerPort: port('WORKER_PORT', 8787),
  sandboxPort: port('SANDBOX_PORT', 8788),
  env: process.env,
  useDevVars: true,
  workerd: { ordersDir, keepOrders: true },
});
const { page, worker, sandbox } = stack.urls;
console.log(`
  qrcheckout demo is running (Ctrl-C to stop)

  page     ${page}/?worker=${encodeURIComponent(worker)}
  worker   ${worker}   (workerd: /catalog, /checkout, /notify/{gateway}, /orders/{id}[/events])
  orders   ${ordersDir}   (Durable Objects on disk; kept across restarts)
  sandbox  ${sandbox}   (gateway double; open a QR's link to pay)
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
