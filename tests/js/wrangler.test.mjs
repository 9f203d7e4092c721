// wrangler is how users deploy: its offline bundle of worker/ and `wrangler dev`
// against the sandbox (checkout → pay → paid on the Durable Object store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSandbox, DEFAULTS } from '../../sandbox/gateway.mjs';
import { checkoutAndPay } from './flows.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const WRANGLER = join(root, 'node_modules/.bin/wrangler');
// Offline: no telemetry, no request for Cloudflare's location data.
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

test('wrangler deploy --dry-run bundles the worker, its wasm module, the ORDERS Durable Object and its migration', async () => {
  const out = mkdtempSync(join(tmpdir(), 'qrcheckout-bundle-'));
  try {
    const { stdout } = await promisify(execFile)(WRANGLER, ['deploy', '--dry-run', '--outdir', out], {
      cwd: join(root, 'worker'),
      env: ENV,
    });
    assert.match(stdout, /env\.ORDERS \(CheckoutOrder\)\s+Durable Object/);
    const files = readdirSync(out);
    const wasm = files.find((f) => f.endsWith('.wasm'));
    assert.ok(wasm, `a separate wasm module: ${files}`);
    assert.ok(
      readFileSync(join(out, wasm)).equals(readFileSync(join(root, 'pkg/worker/qrcheckout_bg.wasm'))),
      'the worker build, unchanged',
    );
    const bundle = readFileSync(join(out, 'index.js'), 'utf8');
    const has = (re, what) => assert.ok(re.test(bundle), what);
    has(/import \{ DurableObject \} from "cloudflare:workers"/, 'the Durable Object base class from the runtime');
    has(/CheckoutOrder = class extends DurableObject/, 'the CheckoutOrder class is bundled');
    has(/export\s*\{[^}]*\bCheckoutOrder\b/, 'and exported from the entry');
    has(/export\s*\{[^}]*\bCheckoutLimiter\b/, 'the per-IP limiter too');
    has(/export\s*\{[^}]*\bCheckoutLedger\b/, 'and the ledger shard');
    has(new RegExp(`import \\w+ from "\\./${wasm}"`), 'the wasm is imported as a module (no bytes compiled at run time)');
    // The migration, as wrangler itself reads the file.
    const { unstable_readConfig } = await import('wrangler');
    const config = unstable_readConfig({ config: join(root, 'worker/wrangler.toml') });
    assert.deepEqual(config.migrations, [{ tag: 'v1', new_sqlite_classes: ['CheckoutOrder', 'CheckoutLimiter', 'CheckoutLedger'] }]);
    assert.deepEqual(config.durable_objects.bindings, [
      { name: 'ORDERS', class_name: 'CheckoutOrder' },
      { name: 'LIMITER', class_name: 'CheckoutLimiter' },
      { name: 'LEDGER', class_name: 'CheckoutLedger' },
    ]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('wrangler dev serves worker/ against the sandbox: checkout → pay → paid', { timeout: 120000 }, async () => {
  const port = 18687;
  const base = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({ port: 18688, merchantBase: base });
  // A config of our own beside a temp folder: wrangler reads .dev.vars next to
  // its config, and a developer's real credentials must never reach a test.
  const dir = mkdtempSync(join(tmpdir(), 'qrcheckout-dev-'));
  const toml = readFileSync(join(root, 'worker/wrangler.toml'), 'utf8').replace(
    'main = "index.js"',
    `main = ${JSON.stringify(join(root, 'worker/index.js'))}`,
  );
  writeFileSync(join(dir, 'wrangler.toml'), toml);
  const vars = {
    GATEPAY_IO_BASE_URL: sandbox.url,
    GATEPAY_IO_APPKEY: DEFAULTS.gatepayIo.appkey,
    GATEPAY_IO_APPSECRET: DEFAULTS.gatepayIo.appsecret,
    GATEPAY_BASE_URL: sandbox.url,
    GATEPAY_CLIENT_ID: DEFAULTS.gatepay.clientId,
    GATEPAY_SECRET_KEY: DEFAULTS.gatepay.secretKey,
    YIMAFU_BASE_URL: sandbox.url,
    YIMAFU_APP_ID: DEFAULTS.yimafu.appId,
    YIMAFU_KEY: DEFAULTS.yimafu.key,
    PUBLIC_BASE_URL: base,
    CLIENT_IP_FALLBACK: '127.0.0.1',
  };
  const args = [
    'dev',
    '--config',
    join(dir, 'wrangler.toml'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    join(dir, 'state'),
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child = spawn(WRANGLER, args, { cwd: dir, env: ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => {
    log += d;
  });
  child.stderr.on('data', (d) => {
    log += d;
  });
  try {
    const deadline = Date.now() + 60000;
    for (;;) {
      assert.equal(child.exitCode, null, `wrangler dev exited:\n${log}`);
      try {
        if ((await fetch(`${base}/catalog`, { signal: AbortSignal.timeout(2000) })).ok) break;
      } catch {
        /* not up yet */
      }
      assert.ok(Date.now() < deadline, `wrangler dev did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const order of [
      { gateway: 'yimafu', payType: '30', sku: 'member-month' },
      { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t' },
    ]) {
      const { id } = await checkoutAndPay(base, sandbox, order);
      assert.equal((await (await fetch(`${base}/orders/${id}`)).json()).state, 'paid', order.gateway);
    }
  } finally {
    // SIGINT to the whole group, then wait (SIGTERM right after SIGINT has crashed esbuild).
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGINT');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 10000);
      await exited;
      clearTimeout(timer);
    }
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
