// `make demo`: sandbox gateway + checkout worker (workerd) + the page + a shop
// backend that prints each verified fulfilment webhook, on loopback. Ctrl-C stops
// them all. GATEPAY_* / YIMAFU_* variables (or worker/.dev.vars) point the worker
// at real gateways instead of the sandbox.
import { fileURLToPath } from 'node:url';
import { startStack } from './stack.mjs';
import { startReceiver } from './receiver.mjs';

const port = (name, fallback) => Number(process.env[name] || fallback);
// Orders on disk in a git-ignored folder: a restarted demo still knows them.
const ordersDir = fileURLToPath(new URL('../target/demo-orders', import.meta.url));
// A demo-only secret: the receiver below is the only party that knows it.
const secret = 'demo-webhook-secret';
const receiver = await startReceiver({ port: port('RECEIVER_PORT', 8789), secret });
const stack = await startStack({
  pagePort: port('PAGE_PORT', 8080),
  workerPort: port('WORKER_PORT', 8787),
  sandboxPort: port('SANDBOX_PORT', 8788),
  env: process.env,
  useDevVars: true,
  workerd: { ordersDir, keepOrders: true },
  extraBindings: { FULFILMENT_WEBHOOK_URL: `${receiver.url}/hooks/qrcheckout`, FULFILMENT_WEBHOOK_SECRET: secret },
});
const { page, worker, sandbox } = stack.urls;
console.log(`
  qrcheckout demo is running (Ctrl-C to stop)

  page      ${page}/?worker=${encodeURIComponent(worker)}
  worker    ${worker}   (workerd: /catalog, /checkout, /notify/{gateway}, /orders/{id}[/events])
  orders    ${ordersDir}   (Durable Objects on disk; kept across restarts)
  sandbox   ${sandbox}   (gateway double; open a QR's link to pay)
  receiver  ${receiver.url}   (the shop's backend: paid orders appear below)
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  await receiver.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
