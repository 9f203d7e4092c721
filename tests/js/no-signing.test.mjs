// Proof, on the built artefacts, that no browser entry (the full one, the
// validator and the QR-only one) carries signing code. Point BROWSER_WASM / BROWSER_GLUE elsewhere
// (e.g. the worker build) to watch it fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ENTRIES = process.env.BROWSER_WASM
  ? [{ name: 'BROWSER_WASM', wasm: process.env.BROWSER_WASM, glue: [process.env.BROWSER_GLUE] }]
  : [
      // The glue: the entry's module first, then what it imports.
      { name: 'browser', wasm: `${root}pkg/browser/qrcheckout_bg.wasm`, glue: ['browser.js', 'validator.js', 'wasm.js', 'checkout.js'] },
      { name: 'qr', wasm: `${root}pkg/qr/qrcheckout_bg.wasm`, glue: ['qr.js', 'wasm.js'] },
      { name: 'validator', wasm: `${root}pkg/validator/qrcheckout_bg.wasm`, glue: ['validator.js', 'wasm.js'] },
    ].map((e) => ({ ...e, glue: e.glue.map((f) => `${root}pkg/${f}`) }));
const workerWasm = readFileSync(`${root}pkg/worker/qrcheckout_bg.wasm`);

const FORBIDDEN = /sign|verify|hmac|md5|sha|secret|notify/i;

// Signed LEB128, as wasm writes an i32.const / i64.const immediate.
const sleb = (value) => {
  let v = BigInt.asIntN(64, value);
  const out = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(byte & 0x40)) || (v === -1n && byte & 0x40)) return Buffer.from([...out, byte]);
    out.push(byte | 0x80);
  }
};

// Constants no implementation can do without — MD5's first round constant and
// SHA-512's first initial hash word — in either form the compiler may leave
// them: an immediate in code or little-endian bytes in a data segment.
const MARKERS = {
  // LLVM turns `x + 0xd76aa478` into `x - 0x28955b88`; both forms are looked for below.
  'MD5 T[0] 0xd76aa478 (i32.const)': [sleb(BigInt.asIntN(32, 0xd76aa478n)), sleb(0x100000000n - 0xd76aa478n)],
  'SHA-512 H0 0x6a09e667f3bcc908 (data)': [Buffer.from('08c9bcf367e6096a', 'hex')],
  '易码付 "&key=" suffix': [Buffer.from('&key=')],
};
const contains = (bytes, forms) => forms.some((f) => bytes.includes(f));

const names = (bytes) => {
  const m = new WebAssembly.Module(bytes);
  return [...WebAssembly.Module.exports(m), ...WebAssembly.Module.imports(m)].map((e) => e.name);
};

for (const { name, wasm, glue } of ENTRIES) {
  test(`${name}: the .wasm exports and imports nothing about signing`, () => {
    const found = names(readFileSync(wasm)).filter((n) => FORBIDDEN.test(n));
    assert.deepEqual(found, []);
  });

  test(`${name}: the .wasm contains no hash constants and no signing strings`, () => {
    const bytes = readFileSync(wasm);
    const present = Object.entries(MARKERS)
      .filter(([, forms]) => contains(bytes, forms))
      .map(([k]) => k);
    assert.deepEqual(present, []);
  });

  test(`${name}: the JS glue exports no signing function`, async () => {
    const found = Object.keys(await import(glue[0])).filter((n) => FORBIDDEN.test(n));
    assert.deepEqual(found, []);
    for (const file of glue) assert.doesNotMatch(readFileSync(file, 'utf8'), /signGatepay|signYimafu|verifyNotify|signRequest/);
  });
}

test('the same checks do see signing in the worker build (so they can fail)', () => {
  assert.ok(
    names(workerWasm).some((n) => FORBIDDEN.test(n)),
    'worker exports signing',
  );
  for (const [what, forms] of Object.entries(MARKERS)) assert.ok(contains(workerWasm, forms), `${what} found in worker`);
});
