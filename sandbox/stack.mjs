// The whole local stack on loopback: sandbox gateway, checkout worker in workerd,
// and the static server for the page. Used by `make demo` and the tests.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSandbox, DEFAULTS } from './gateway.mjs';
import { startWorkerd } from './workerd.mjs';
import { serveStatic } from './static.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

/** KEY=value lines of worker/.dev.vars, if present (real credentials stay out of git). */
function devVars() {
  const file = `${root}worker/.dev.vars`;
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
      .filter(([, v]) => v !== ''),
  );
}

/**
 * The worker's env for a sandbox at `sandboxUrl`. Only `make demo` passes
 * `env` and `useDevVars`: there GATEPAY_* / YIMAFU_* from the environment or
 * worker/.dev.vars win. Tests never read either, so a developer's real
 * credentials can never reach a test run.
 */
export function workerBindings({ sandboxUrl: s, workerPort, pagePort, env = {}, useDevVars = false, extraBindings = {} }) {
  const pageOrigin = `http://127.0.0.1:${pagePort}`;
  const bindings = {
    GATEPAY_IO_BASE_URL: s,
    GATEPAY_IO_APPKEY: DEFAULTS.gatepayIo.appkey,
    GATEPAY_IO_APPSECRET: DEFAULTS.gatepayIo.appsecret,
    GATEPAY_BASE_URL: s,
    GATEPAY_CLIENT_ID: DEFAULTS.gatepay.clientId,
    GATEPAY_SECRET_KEY: DEFAULTS.gatepay.secretKey,
    YIMAFU_BASE_URL: s,
    YIMAFU_APP_ID: DEFAULTS.yimafu.appId,
    YIMAFU_KEY: DEFAULTS.yimafu.key,
    ALLOWED_ORIGINS: `${pageOrigin},http://localhost:${pagePort}`,
    PUBLIC_BASE_URL: `http://127.0.0.1:${workerPort}`,
    // Every buyer here is on this machine, and workerd sets no cf-connecting-ip.
    CLIENT_IP_FALLBACK: '127.0.0.1',
    ...extraBindings,
  };
  const overrides = {
    ...(useDevVars ? devVars() : {}),
    ...Object.fromEntries(
      Object.entries(env).filter(([k]) =>
        /^(GATEPAY_|YIMAFU_|ALLOWED_ORIGINS$|PUBLIC_BASE_URL$|ORDER_EXPIRY_MS$|GATEWAY_TIMEOUT_MS$)/.test(k),
      ),
    ),
  };
  return Object.assign(bindings, overrides);
}

/**
 * The demo page's Content-Security-Policy: its own scripts and wasm only, no
 * inline script or style, images from itself or data: URLs (a gateway's QR
 * picture), network only to itself and the worker.
 */
export function pagePolicy(workerUrl) {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${workerUrl}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The preload a host sends with the page for the checkout's first request: the
 * catalog then arrives while the scripts and the wasm download, instead of after.
 */
export const catalogPreload = (workerUrl) => `<${workerUrl}/catalog>; rel=preload; as=fetch; crossorigin`;

/** `workerd`: options for startWorkerd (ordersDir, keepOrders, secondPort). */
export async function startStack({
  pagePort = 8080,
  workerPort = 8787,
  sandboxPort = 8788,
  env = {},
  useDevVars = false,
  page = true,
  extraBindings = {},
  workerd = {},
} = {}) {
  const sandbox = await startSandbox({ port: sandboxPort, merchantBase: `http://127.0.0.1:${workerPort}` });
  const s = sandbox.url;
  const pageOrigin = `http://127.0.0.1:${pagePort}`;
  const bindings = workerBindings({ sandboxUrl: s, workerPort, pagePort, env, useDevVars, extraBindings });
  let worker;
  try {
    worker = await startWorkerd({ port: workerPort, bindings, ...workerd });
  } catch (e) {
    await sandbox.close();
    throw e;
  }
  const statics = page
    ? await serveStatic({
        port: pagePort,
        mounts: { '/': `${root}www`, '/pkg/': `${root}pkg` },
        headers: { 'content-security-policy': pagePolicy(worker.url) },
        links: { '/': catalogPreload(worker.url) },
      })
    : null;
  return {
    sandbox,
    worker,
    statics,
    bindings,
    urls: { page: pageOrigin, worker: worker.url, sandbox: s },
    stop: async () => {
      statics?.close();
      await worker.stop();
      await sandbox.close();
    },
  };
}
