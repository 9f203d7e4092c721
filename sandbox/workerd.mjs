// Runs the checkout worker in real workerd: writes a config that imports the
// .wasm as a module (workerd cannot compile wasm from bytes) and lets the worker
// reach loopback (the sandbox) through a `network` service.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const WORKERD = join(root, 'node_modules/.bin/workerd');

// Module names mirror repo paths so relative imports resolve as they do on disk.
export const CHECKOUT_MODULES = [
  ['worker/index.js', 'esModule'],
  ['worker/catalog.js', 'esModule'],
  ['pkg/handler.js', 'esModule'],
  ['pkg/durable.js', 'esModule'],
  ['pkg/orders.js', 'esModule'],
  ['pkg/limiter.js', 'esModule'],
  ['pkg/ledger.js', 'esModule'],
  ['pkg/webhook.js', 'esModule'],
  ['pkg/worker.js', 'esModule'],
  ['pkg/worker/qrcheckout.js', 'esModule'],
  ['pkg/worker/qrcheckout_bg.wasm', 'wasm'],
];

const str = (s) => JSON.stringify(String(s));
// The keys the default classes always had, so storage written by an earlier run is found again.
const namespace = (binding, cls) =>
  `    (className = ${str(cls)}, uniqueKey = ${str(`qrcheckout-${binding.toLowerCase()}`)}, enableSql = true),`;

/**
 * Starts workerd; resolves once it answers. `bindings` become env text bindings.
 * Orders live in the `CheckoutOrder` Durable Object namespace and rate limits in
 * `CheckoutLimiter`, SQLite files under `ordersDir` (wiped first unless
 * `keepOrders`); `ordersDir: null` leaves both bindings out (the handler's
 * in-memory fallback). `secondPort` adds a second
 * worker service — its own isolate — bound to the same namespace. `objects`:
 * the Durable Object classes the modules export, with their binding names.
 */
export async function startWorkerd({
  port = 8787,
  secondPort = null,
  modules = CHECKOUT_MODULES,
  bindings = {},
  readyPath = '/catalog',
  quiet = true,
  // QC_ORDERS_ROOT: where the SQLite files go instead (e.g. a tmpfs, to take the disk out of a measurement).
  ordersDir = join(process.env.QC_ORDERS_ROOT || join(root, 'target', 'workerd'), `orders-${port}`),
  keepOrders = false,
  objects = [
    ['ORDERS', 'CheckoutOrder'],
    ['LIMITER', 'CheckoutLimiter'],
    ['LEDGER', 'CheckoutLedger'],
  ],
} = {}) {
  // embed paths are relative to the config file (absolute ones are refused), so the
  // config lives in the (git-ignored) target folder of the repo.
  const dir = join(root, 'target', 'workerd');
  mkdirSync(dir, { recursive: true });
  if (ordersDir) {
    if (!keepOrders) rmSync(ordersDir, { recursive: true, force: true });
    mkdirSync(ordersDir, { recursive: true });
  }
  const textBindings = Object.entries(bindings)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `    (name = ${str(k)}, text = ${str(v)}),`)
    .join('\n');
  const worker = (orders) => `(
  modules = [
${modules.map(([name, type]) => `    (name = ${str(name)}, ${type} = embed ${str(`../../${name}`)}),`).join('\n')}
  ],
  bindings = [
${textBindings}
${ordersDir ? objects.map(([name, cls]) => `    (name = ${str(name)}, durableObjectNamespace = ${orders(cls)}),`).join('\n') : ''}
  ],
  compatibilityDate = "2025-01-01",
  globalOutbound = "loopback",`;
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "checkout", worker = .checkout),
${secondPort ? '    (name = "checkout-b", worker = .checkoutB),' : ''}
    (name = "loopback", network = (allow = ["public", "private", "local"])),
${ordersDir ? `    (name = "orders-disk", disk = (path = ${str(ordersDir)}, writable = true)),` : ''}
  ],
  sockets = [
    (name = "http", address = ${str(`127.0.0.1:${port}`)}, http = (), service = "checkout"),
${secondPort ? `    (name = "http-b", address = ${str(`127.0.0.1:${secondPort}`)}, http = (), service = "checkout-b"),` : ''}
  ],
);
const checkout :Workerd.Worker = ${worker((c) => `"${c}"`)}
${
  ordersDir
    ? `  durableObjectNamespaces = [
${objects.map(([name, cls]) => namespace(name, cls)).join('\n')}
  ],
  durableObjectStorage = (localDisk = "orders-disk"),`
    : ''
}
);
${
  secondPort
    ? `const checkoutB :Workerd.Worker = ${worker((c) => `(className = "${c}", serviceName = "checkout")`)}
);`
    : ''
}
`;
  const file = join(dir, `config-${port}.capnp`);
  writeFileSync(file, config);
  // QC_INSPECT=host:port opens V8's inspector, for CPU profiles of the worker under load (bench/README.md).
  const inspect = process.env.QC_INSPECT ? ['--inspector-addr', process.env.QC_INSPECT] : [];
  const child = spawn(WORKERD, ['serve', file, ...inspect], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d) => {
    log += d;
    if (!quiet) process.stderr.write(d);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}):\n${log}`);
    try {
      await fetch(url + readyPath, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`workerd did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    secondUrl: secondPort ? `http://127.0.0.1:${secondPort}` : null,
    child,
    ordersDir,
    log: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}
