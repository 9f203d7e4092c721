// The worker entry inside real workerd (wasm imported as a module), signing the
// SIGNING.md vectors there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkerd } from '../../sandbox/workerd.mjs';

test('SIGNING.md vectors, signed inside workerd', async () => {
  const w = await startWorkerd({
    port: 18790,
    readyPath: '/',
    modules: [
      ['tests/js/workerd-vectors.js', 'esModule'],
      ['pkg/worker.js', 'esModule'],
      ['pkg/worker/qrcheckout.js', 'esModule'],
      ['pkg/worker/qrcheckout_bg.wasm', 'wasm'],
    ],
  });
  try {
    const r = await (await fetch(w.url)).json();
    assert.deepEqual(r, {
      isModule: true,
      io1: 'dc240342fcdbd58156ae183b71b13388',
      io2: '9be0beaeeed523a63ec5febcccdabdd4',
      ioNotify: '185f7af090743c196db60f8d102c90c2',
      gp1:
        '1b03f547af065490c6e106bd93afc861329c52b596512d49489ca0c4ea57adee' +
        '2991a576e402422a6bb092b83acf0a5618f5b0a7d4c639ae7779fbb3a1b16346',
      gp2:
        '9840f2b48d9f34f5beff5f05ba4ac2d4869206cb7677298718906964a52b8fa4' +
        '19e09894c0e304f3a2280c7182769940dd39a681077edbed95b44f926b175013',
      gp3:
        '7f7cb77c7c2bbb52fe96852560a0aa61e41dc71bd4c2f976450ef0ab43510371' +
        '0cec203325a5b629a5674e60281d60377d3c07aa5d25b6a2dc7b294837499196',
      y1: '0531E3DDA4966502D061D1E643A42BDE',
      y2: '39D41AA77160C2A9D87C15DB9BDBB3D2',
      yNotify: '95F0A0AB2B622D3873A1B5B3B69642A6',
      svg: true,
      error: { name: 'CheckoutError', code: 'missing_field' },
    });
  } finally {
    await w.stop();
  }
});
