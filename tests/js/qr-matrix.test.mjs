// An independent encoder as the oracle: for the same text, error correction,
// byte mode and mask, our module grid must equal node-qrcode's bit for bit.
// The mask is read back from our symbol's format information (the choice of mask
// is the encoder's; any of the eight is valid), which also checks that block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import * as qc from '../../pkg/browser.js';

qc.initSync({ module: readFileSync(new URL('../../pkg/browser/qrcheckout_bg.wasm', import.meta.url)) });

const PAYLOADS = [
  'https://gatepay.io/pay/index?id=5cbadd67774f8&type=wechat',
  'https://qr.alipay.com/bax04775wixee8ieymjz00d8',
  'weixin://wxpay/bizpayurl?pr=Zx8LmN2',
  'http://127.0.0.1:8788/pay/yimafu-1217752501201407',
  '苹果13Pro 会员月卡 ¥29.90',
  `https://shop.example/checkout?order=${'x'.repeat(300)}&sig=abcdef`,
  `https://gatepay.io/pay/index?id=${'7'.repeat(960)}&type=alipay`,
];

/** Mask and level from the format information next to the top-left finder. */
function formatInfo(m) {
  const at = (x, y) => m.modules[y * m.size + x];
  const bits = [];
  for (let x = 0; x <= 8; x++) if (x !== 6) bits.push(at(x, 8));
  for (let y = 7; y >= 0; y--) if (y !== 6) bits.push(at(8, y));
  const word = parseInt(bits.join(''), 2) ^ 0b101010000010010;
  return { level: ['M', 'L', 'H', 'Q'][word >> 13], mask: (word >> 10) & 7 };
}

test('module grids equal node-qrcode (byte mode) for every payload and level', () => {
  let compared = 0;
  for (const text of PAYLOADS) {
    for (const level of ['L', 'M', 'Q', 'H']) {
      const ours = qc.qrMatrix(text, { ecLevel: level, quietZone: 0 });
      const { level: read, mask } = formatInfo(ours);
      assert.equal(read, level, 'format information names the level asked for');
      const theirs = QRCode.create([{ data: text, mode: 'byte' }], { errorCorrectionLevel: level, maskPattern: mask });
      assert.equal(ours.size, theirs.modules.size, `${level} ${text.slice(0, 30)}: same version`);
      let diff = 0;
      for (let y = 0; y < ours.size; y++) {
        for (let x = 0; x < ours.size; x++) diff += (ours.modules[y * ours.size + x] === 1) !== Boolean(theirs.modules.get(y, x));
      }
      assert.equal(diff, 0, `${level} ${text.slice(0, 30)}: ${diff} modules differ`);
      compared += 1;
    }
  }
  assert.equal(compared, PAYLOADS.length * 4);
});

// Every version at every level, at its exact byte capacity (the table lookups,
// block splits and version information of all 160 symbols) and one byte over it
// (the next version, or qr_too_long after version 40).
test('every version × level at capacity equals node-qrcode; one byte more moves up', async () => {
  const { default: Version } = await import('qrcode/lib/core/version.js');
  const { default: Mode } = await import('qrcode/lib/core/mode.js');
  const { default: ECLevel } = await import('qrcode/lib/core/error-correction-level.js');
  let compared = 0;
  for (const level of ['L', 'M', 'Q', 'H']) {
    for (let v = 1; v <= 40; v++) {
      const cap = Version.getCapacity(v, ECLevel.from(level), Mode.BYTE);
      const text = Array.from({ length: cap }, (_, i) => String.fromCharCode(33 + ((i * 7 + v) % 90))).join('');
      const ours = qc.qrMatrix(text, { ecLevel: level, quietZone: 0 });
      assert.equal(ours.size, 17 + 4 * v, `${level} v${v}: ${cap} bytes fill version ${v}`);
      const { mask } = formatInfo(ours);
      const theirs = QRCode.create([{ data: text, mode: 'byte' }], { errorCorrectionLevel: level, maskPattern: mask });
      let diff = 0;
      for (let i = 0; i < ours.size * ours.size; i++) {
        diff += (ours.modules[i] === 1) !== Boolean(theirs.modules.data[i]);
      }
      assert.equal(diff, 0, `${level} v${v}: ${diff} modules differ`);
      const over = text + '!';
      if (v < 40) assert.equal(qc.qrMatrix(over, { ecLevel: level, quietZone: 0 }).size, 21 + 4 * v);
      else assert.throws(() => qc.qrMatrix(over, { ecLevel: level }), { code: 'qr_too_long' });
      compared += 1;
    }
  }
  assert.equal(compared, 160);
});
