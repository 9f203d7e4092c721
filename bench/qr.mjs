// QR speed and entry sizes, each beside its competitor in the same run:
// renderQrSvg against node-qrcode's toString (Node and Chromium) for a 30-, a
// 120- and a 600-byte link whose last digits change on every call (no cache can
// help either side); renderQrPng / drawQr against node-qrcode's toDataURL /
// toCanvas in Chromium at the same 4 px modules. `node bench/qr.mjs` runs this part alone.
import { readFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import * as qr from '../pkg/qr.js';
import * as full from '../pkg/browser.js';
import { serveStatic } from '../sandbox/static.mjs';
import { launch } from '../tests/js/browser.mjs';

const require = createRequire(import.meta.url);
const QRCode = require('qrcode');
const root = fileURLToPath(new URL('../', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f1 = (x) => x.toFixed(1);
export const LENGTHS = [30, 120, 600];

/** Links of exactly `length` bytes whose last six digits count up: a new QR every call. */
export function payloads(length) {
  const head = 'https://qr.alipay.com/bax0'.slice(0, Math.max(0, length - 6));
  const base = head + 'x'.repeat(Math.max(0, length - 6 - head.length));
  let n = 0;
  return () => base + String(100000 + (n++ % 900000));
}

/** µs per call: warm up, then as many calls as fit in `ms`. */
function perCall(fn, next, ms = 300) {
  for (let i = 0; i < 100; i++) fn(next());
  let k = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 20; i++) fn(next());
    k += 20;
  }
  return ((performance.now() - t0) * 1000) / k;
}

const gz = (p) => gzipSync(readFileSync(root + p), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Gzip sizes (level 9) of each browser entry: its wasm and its generated glue. */
export function entrySizes() {
  // The glue is hand-written (src/abi.rs): the entry's module and what it imports, each gzipped as
  // it is served. The full entry's checkout.js (the flow over a worker, not the wasm's glue) is left out.
  const of = (dir, glue) => ({ wasm: gz(`pkg/${dir}/qrcheckout_bg.wasm`), glue: glue.reduce((n, f) => n + gz(`pkg/${f}`), 0) });
  return {
    full: of('browser', ['browser.js', 'validator.js', 'wasm.js']),
    // On a checkout page wasm.js (the shared glue) is already there when the validator loads.
    validator: of('validator', ['validator.js', 'wasm.js']),
    qr: of('qr', ['qr.js', 'wasm.js']),
  };
}

export async function qrBench(row) {
  console.log('\n# Browser entries, gzip -9');
  const sizes = entrySizes();
  for (const [name, s, budget] of [
    ['full entry (qrcheckout)', sizes.full, '≤ 40 KB'],
    ['QR entry (qrcheckout/qr)', sizes.qr, '≤ 18 KB'],
    ['validator entry (what createCheckout loads on the first edit: validateChoice alone)', sizes.validator, ''],
  ]) {
    row('size', `${name}: wasm + glue`, `${kb(s.wasm + s.glue)} (wasm ${kb(s.wasm)}, glue ${kb(s.glue)})`, '', '', budget);
  }
  mkdirSync(root + 'target/bench-build', { recursive: true });
  await esbuild.build({
    entryPoints: [require.resolve('qrcode/lib/browser.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'QRCode',
    outfile: root + 'target/bench-build/qrcode.bundle.js',
    logLevel: 'silent',
  });
  row('size', 'node-qrcode, bundled and minified (esbuild)', '', kb(gz('target/bench-build/qrcode.bundle.js')));

  qr.initSync({ module: readFileSync(root + 'pkg/qr/qrcheckout_bg.wasm') });
  full.initSync({ module: readFileSync(root + 'pkg/browser/qrcheckout_bg.wasm') });
  const nodeQr = (t) => {
    let out;
    QRCode.toString(t, { type: 'svg', errorCorrectionLevel: 'M' }, (e, s) => (out = s));
    return out;
  };
  console.log(`\n# renderQrSvg in Node ${process.version}, level M, a new link every call, µs/op, median of 5 interleaved rounds`);
  for (const length of LENGTHS) {
    const impls = { ours: (t) => qr.renderQrSvg(t, { ecLevel: 'M' }), full: (t) => full.renderQrSvg(t, { ecLevel: 'M' }), theirs: nodeQr };
    const samples = { ours: [], full: [], theirs: [] };
    for (let round = 0; round < 5; round++) for (const k of Object.keys(impls)) samples[k].push(perCall(impls[k], payloads(length)));
    const [o, f, t] = ['ours', 'full', 'theirs'].map((k) => median(samples[k]));
    row(
      'qr-node',
      `renderQrSvg, ${length}-byte link (Node)`,
      `${f1(o)} µs (full entry ${f1(f)})`,
      `node-qrcode ${f1(t)} µs`,
      `${f1(t / o)}×`,
      '≥ 4×',
    );
  }

  console.log('\n# In headless Chromium: SVG, PNG data URL, canvas; a new link every call, µs/op, median of 5 rounds');
  const statics = await serveStatic({
    port: 0,
    mounts: { '/pkg/': root + 'pkg', '/bench-build/': root + 'target/bench-build', '/': root + 'bench' },
  });
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${statics.address().port}/qr-page.html`);
    await page.waitForFunction(() => window.ready === true);
    const inPage = (pair, length) =>
      page.evaluate(
        async ([[a, b], len, src]) => {
          const payloads = eval(src);
          const perCall = (fn, next) => {
            for (let i = 0; i < 50; i++) fn(next());
            let k = 0;
            const t0 = performance.now();
            while (performance.now() - t0 < 300) {
              for (let i = 0; i < 10; i++) fn(next());
              k += 10;
            }
            return ((performance.now() - t0) * 1000) / k;
          };
          const s = { [a]: [], [b]: [] };
          for (let round = 0; round < 5; round++) for (const k of [a, b]) s[k].push(perCall(window.impls[k], payloads(len)));
          const med = (xs) => [...xs].sort((x, y) => x - y)[2];
          return [med(s[a]), med(s[b])];
        },
        [pair, length, `(${payloads.toString()})`],
      );
    for (const length of LENGTHS) {
      const [o, t] = await inPage(['svg', 'qrcode-svg'], length);
      const figure = `renderQrSvg, ${length}-byte link (Chromium)`;
      row('qr-chromium', figure, `${f1(o)} µs`, `node-qrcode ${f1(t)} µs`, `${f1(t / o)}×`, '≥ 4×');
    }
    for (const [mine, theirs, figure, what] of [
      ['png', 'qrcode-png', 'renderQrPng', 'toDataURL'],
      ['canvas', 'qrcode-canvas', 'drawQr', 'toCanvas'],
    ]) {
      const [o, t] = await inPage([mine, theirs], 120);
      row(
        'qr-chromium',
        `${figure}, 120-byte link, 4 px modules (Chromium)`,
        `${f1(o)} µs`,
        `node-qrcode ${what} ${f1(t)} µs`,
        `${f1(t / o)}×`,
        '≥ 2×',
      );
    }
  } finally {
    await browser.close();
    statics.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await qrBench((area, figure, value, competitor = '', ratio = '', goal = '') =>
    console.log(
      `  ${figure}: ${value}${competitor ? ` | ${competitor}` : ''}${ratio ? ` | ${ratio}` : ''}${goal ? ` | goal ${goal}` : ''}`,
    ),
  );
}
