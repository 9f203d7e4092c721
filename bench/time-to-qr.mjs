// Time to QR on a slow phone, in headless Chromium with CDP throttling (1.6 Mbps
// down, 750 kbps up, 150 ms RTT, CPU 4× slower, cold cache): our demo page beside
// the plain-JS page a shop would write (bench/reference: node-qrcode bundled by
// esbuild, same markup), both against the same worker. `node bench/time-to-qr.mjs`
// runs this part alone.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { startStack, pagePolicy, catalogPreload } from '../sandbox/stack.mjs';
import { serveStatic } from '../sandbox/static.mjs';
import { launch } from '../tests/js/browser.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const REPS = Number(process.env.BENCH_TTQ_REPS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The reference page: our markup, its own bundled script, no preload of our wasm. */
async function buildReference() {
  const dir = `${root}target/reference`;
  mkdirSync(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [`${root}bench/reference/app.js`],
    bundle: true,
    minify: true,
    format: 'esm',
    outfile: `${dir}/app.js`,
    logLevel: 'error',
  });
  const html = readFileSync(`${root}www/index.html`, 'utf8').replace(/\s*<link rel="(modulepreload|preload)"[^>]*>/g, '');
  writeFileSync(`${dir}/index.html`, html);
  copyFileSync(`${root}www/style.css`, `${dir}/style.css`);
  return dir;
}

async function measure(browser, pageUrl, quoted = false) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: 1.6e6 / 8,
    uploadThroughput: 750e3 / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const painted = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const choose = async () => {
    await page.selectOption('#sku', 'member-month');
    await page.selectOption('#gateway', 'yimafu');
    await page.selectOption('#payType', '30');
  };
  // (a) navigation → usable; (b) Pay → QR painted.
  let t0 = performance.now();
  await page.goto(pageUrl, { waitUntil: 'commit' });
  await page.waitForSelector('body[data-ready=true]', { timeout: 60000 });
  const usable = performance.now() - t0;
  await choose();
  t0 = performance.now();
  await page.click('#pay');
  await page.waitForSelector('#qr svg', { timeout: 60000 });
  await painted();
  const payToQr = performance.now() - t0;
  // (c) navigation → QR painted, the click scripted as soon as the page is usable (cold cache again).
  t0 = performance.now();
  await page.goto(pageUrl, { waitUntil: 'commit' });
  await page.waitForSelector('body[data-ready=true]', { timeout: 60000 });
  await choose();
  await page.click('#pay');
  await page.waitForSelector('#qr svg', { timeout: 60000 });
  await painted();
  const navToQr = performance.now() - t0;
  // (d) ours only (the reference page shows no checked total): the buyer's first edit → the
  // total checked by the validator, whose first download that edit starts (cold cache again).
  let editToQuote = null;
  if (quoted) {
    await page.goto(pageUrl, { waitUntil: 'commit' });
    await page.waitForSelector('body[data-ready=true]', { timeout: 60000 });
    t0 = performance.now();
    await page.selectOption('#sku', 'nf2t');
    await page.fill('#quantity', '2');
    await page.waitForFunction(() => document.getElementById('total').textContent === '2.42 USDT', null, { timeout: 60000 });
    await painted();
    editToQuote = performance.now() - t0;
  }
  await context.close();
  return { usable, payToQr, navToQr, editToQuote };
}

export async function timeToQrBench(row) {
  console.log(`\n# Time to QR: throttled Chromium (1.6 Mbps / 750 kbps / 150 ms RTT, CPU 4×, cold cache), ${REPS} runs each, medians`);
  const refDir = await buildReference();
  const pagePort = 28980;
  const stack = await startStack({ page: false, workerPort: 28987, sandboxPort: 28988, pagePort });
  const statics = await serveStatic({
    port: pagePort,
    // Our page is sent with the preload of its catalog, as the demo's host sends it; the reference
    // without (a hand-written page would not have it), and once more with it (`/ref-preload/`).
    mounts: { '/': `${root}www`, '/pkg/': `${root}pkg`, '/ref/': refDir, '/ref-preload/': refDir },
    headers: { 'content-security-policy': pagePolicy(stack.urls.worker) },
    links: { '/': catalogPreload(stack.urls.worker), '/ref-preload/': catalogPreload(stack.urls.worker) },
  });
  const browser = await launch();
  try {
    const q = `?worker=${encodeURIComponent(stack.urls.worker)}`;
    const ours = [];
    const reference = [];
    const preloaded = [];
    for (let i = 0; i < REPS; i += 1) {
      // Interleaved, so drift on the shared machine hits all alike.
      ours.push(await measure(browser, `http://127.0.0.1:${pagePort}/${q}`, true));
      reference.push(await measure(browser, `http://127.0.0.1:${pagePort}/ref/${q}`));
      preloaded.push(await measure(browser, `http://127.0.0.1:${pagePort}/ref-preload/${q}`));
    }
    const gz = (file) => `${(gzipSync(readFileSync(file), { level: 9 }).length / 1024).toFixed(1)} KB`;
    // What the page loads before it is usable (the validator follows on first use).
    const ourBytes = ['pkg/qr/qrcheckout_bg.wasm', 'pkg/qr.js', 'pkg/wasm.js', 'pkg/checkout.js', 'www/app.js'];
    const ourGzip = ourBytes.reduce((n, f) => n + gzipSync(readFileSync(root + f), { level: 9 }).length, 0);
    row('time-to-qr', 'page script + wasm, gzip', `${(ourGzip / 1024).toFixed(1)} KB`, `plain JS + node-qrcode ${gz(`${refDir}/app.js`)}`);
    const ms = (x) => `${x.toFixed(0)} ms`;
    for (const [key, figure, goal] of [
      ['usable', '(a) navigation → page usable, wasm ready', 'ours ≤ reference'],
      ['payToQr', '(b) Pay → QR painted', ''],
      ['navToQr', '(c) navigation → QR painted (scripted click)', 'ours ≤ reference'],
    ]) {
      const o = median(ours.map((m) => m[key]));
      const r = median(reference.map((m) => m[key]));
      row('time-to-qr', figure, ms(o), `plain JS + node-qrcode ${ms(r)}`, `${(r / o).toFixed(2)}×`, goal);
    }
    const v = gz(`${root}pkg/validator/qrcheckout_bg.wasm`);
    row(
      'time-to-qr',
      `(d) first edit → its total checked (the validator's first download, wasm ${v})`,
      ms(median(ours.map((m) => m.editToQuote))),
    );
    for (const [key, figure] of [
      ['usable', '(a) like for like: the reference page sent with the same catalog preload'],
      ['navToQr', '(c) like for like: the reference page sent with the same catalog preload'],
    ]) {
      const o = median(ours.map((m) => m[key]));
      const r = median(preloaded.map((m) => m[key]));
      row('time-to-qr', figure, ms(o), `plain JS + node-qrcode ${ms(r)}`, `${(r / o).toFixed(2)}×`);
    }
  } finally {
    await browser.close();
    statics.close();
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await timeToQrBench((...r) => console.log(r.filter(Boolean).join(' | ')));
}
