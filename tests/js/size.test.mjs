// Page weight cannot creep: each browser entry's wasm + glue (gzip -9) stays
// under its ceiling. The QR entry's ceiling is its goal (18 KB), which it meets; the full
// entry's is today's size plus 2 %, lowered whenever it shrinks, with its goal (40 KB)
// printed beside it and tracked by `make bench` (bench/README.md says what is left); the
// validator's (no goal of its own: it is the part of the full entry a page loads) likewise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { entrySizes } from '../../bench/qr.mjs';

const KB = 1024;
const CEILING = { full: 50.5 * KB, validator: 22.6 * KB, qr: 18 * KB };
const GOAL = { full: 40 * KB, validator: null, qr: 18 * KB };

for (const [entry, size] of Object.entries(entrySizes())) {
  test(`${entry} entry: wasm + glue within its ceiling`, (t) => {
    const total = size.wasm + size.glue;
    const goal = GOAL[entry] ? `, goal ${GOAL[entry] / KB} KB` : '';
    t.diagnostic(`${entry}: ${(total / KB).toFixed(1)} KB gzip (ceiling ${CEILING[entry] / KB} KB${goal})`);
    assert.ok(total <= CEILING[entry], `${(total / KB).toFixed(1)} KB > ${CEILING[entry] / KB} KB`);
  });
}

test('the QR entry is a fraction of the full one (it does not pull in the checkout code)', () => {
  const { full, qr } = entrySizes();
  assert.ok(qr.wasm * 3 < full.wasm, `QR wasm ${qr.wasm} B vs full ${full.wasm} B`);
});

test('the validator leaves out what validateChoice never reaches (reply parsing, the QR code, the other exports)', () => {
  const { full, validator } = entrySizes();
  assert.ok(validator.wasm * 1.4 < full.wasm, `validator wasm ${validator.wasm} B vs full ${full.wasm} B`);
});

test('no browser entry carries serde_json: arguments, replies and answers are read and written by the crate itself', () => {
  // serde_json's own error texts, found wherever it is linked in (the worker build still is: the probe's control).
  const texts = ['EOF while parsing', 'recursion limit exceeded', 'key must be a string'];
  const has = (entry) => {
    const wasm = readFileSync(new URL(`../../pkg/${entry}/qrcheckout_bg.wasm`, import.meta.url)).toString('latin1');
    return texts.filter((t) => wasm.includes(t));
  };
  assert.deepEqual(has('worker'), texts, 'the probe finds serde_json where it is');
  assert.deepEqual(has('browser'), []);
  assert.deepEqual(has('validator'), []);
});
