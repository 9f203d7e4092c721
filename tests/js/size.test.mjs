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
const CEILING = { full: 50.3 * KB, validator: 22.5 * KB, qr: 18 * KB };
const GOAL = { full: 40 * KB, validator: null, qr: 18 * KB };

for (const [entry, size] of Object.entries(entrySizes())) {
  test(`${entry} entry: wasm + glue within its ceiling`, (t) => {
    const total = size.wasm + size.glue;
    const goal = GOAL[entry] ? `, goal ${GOAL[entry] / KB} KB` : '';
    t.diagnostic(`${entry}: ${(total / KB).toFixed(1)} KB gzip (ceiling ${CEILING[entry] / KB} KB${goal})`);
    assert.ok(total <= CEILING[entry], `${(total / KB).toFixed(1)} KB > ${CEILING[entry] / KB} KB`);
  });
}

/** Which of `texts` an entry's wasm carries: a message or name found there means the code around it was linked in. */
function textsIn(entry, texts) {
  const wasm = readFileSync(new URL(`../../pkg/${entry}/qrcheckout_bg.wasm`, import.meta.url)).toString('latin1');
  return texts.filter((t) => wasm.includes(t));
}

/** `texts` are all in the `control` build (so the probe can find them) and none is in any of `entries`. */
function assertLeftOut(texts, control, entries) {
  assert.deepEqual(textsIn(control, texts), texts, `the probe finds them in ${control}, where that code is`);
  for (const entry of entries) assert.deepEqual(textsIn(entry, texts), [], entry);
}

test('the QR entry carries no checkout code: no catalog, no gateway request, no reply reading', () => {
  const texts = [
    'is not in the catalog',
    'gateway must be one of',
    'out_order_id',
    'merchantTradeNo',
    'the gateway refused the order',
    'qc_build_order',
  ];
  assertLeftOut(texts, 'browser', ['qr']);
});

test('the validator leaves out what validateChoice never reaches (reply parsing, the QR code, the other exports)', () => {
  const texts = [
    'the gateway refused the order',
    "the gateway's reply could not be read",
    'there is no text to put in the QR code',
    '<svg',
    'qc_parse_response',
    'qc_render',
    'qc_build_order',
  ];
  assertLeftOut(texts, 'browser', ['validator']);
});

test('no browser entry carries serde_json: arguments, replies and answers are read and written by the crate itself', () => {
  // serde_json's own error texts, found wherever it is linked in (the worker build still is: the probe's control).
  const texts = ['EOF while parsing', 'recursion limit exceeded', 'key must be a string'];
  assertLeftOut(texts, 'worker', ['browser', 'validator', 'qr']);
});
