// QR round trip in headless Chromium: render with our wasm (SVG, canvas, PNG),
// let the browser rasterise, decode with jsQR; the text must come back exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../sandbox/static.mjs';
import { launch } from './browser.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
let server, browser, page, base;

const BASE_PAYLOADS = [
  'https://gatepay.io/pay/index?id=5cbadd67774f8&type=wechat',
  'https://qr.alipay.com/bax04775wixee8ieymjz00d8',
  'weixin://wxpay/bizpayurl?pr=Zx8LmN2',
  'https://pay.gate.io/qr/GATE202400001',
  'http://127.0.0.1:8788/pay/yimafu-1217752501201407',
  '苹果13Pro 会员月卡 ¥29.90',
  '支付成功 ✅ 订单 SO-微信-7',
  '12345678901234567890',
  'HTTPS://EXAMPLE.COM/PAY/ABC-123',
  `https://shop.example/checkout?order=${'x'.repeat(300)}&sig=abcdef`,
];

before(async () => {
  server = await serveStatic({
    port: 0,
    mounts: { '/pkg/': `${root}pkg`, '/node_modules/': `${root}node_modules`, '/t/': `${root}tests/js` },
  });
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launch();
  page = await browser.newPage();
  await page.goto(`${base}/t/qr-harness.html`);
  await page.waitForFunction(() => window.ready === true);
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('every payload × EC level decodes back from SVG, canvas and PNG, from both entries', async () => {
  let checked = 0;
  for (const entry of ['full', 'qr'])
    for (const text of BASE_PAYLOADS) {
      for (const ecLevel of ['L', 'M', 'Q', 'H']) {
        const got = await page.evaluate(([t, o, e]) => window.roundTrip(t, o, e), [text, { ecLevel, moduleSize: 4 }, entry]);
        assert.deepEqual(got, { svg: text, canvas: text, png: text }, `${entry} ${ecLevel}: ${text.slice(0, 40)}`);
        checked += 1;
      }
    }
  assert.ok(checked >= 60, `${checked} entry/payload/level triples`);
});

// jsQR cannot read one particular version-23 symbol of a 1004-byte link, ours or
// node-qrcode's alike (the two are bit-identical; zbar reads both), so the long
// case uses 1244 bytes → version 25.
test('a 1200-character link still decodes (version 25)', async () => {
  const text = `https://gatepay.io/pay/index?id=${'7'.repeat(1200)}&type=alipay`;
  const got = await page.evaluate(([t, o]) => window.roundTrip(t, o), [text, { ecLevel: 'L', moduleSize: 6 }]);
  assert.deepEqual(got, { svg: text, canvas: text, png: text });
});

test('custom colours and width still decode', async () => {
  const text = 'https://qr.alipay.com/bax04775wixee8ieymjz00d8';
  for (const entry of ['full', 'qr']) {
    const options = { dark: '#1d3557', light: '#f1faee', width: 300 };
    const got = await page.evaluate(([t, o, e]) => window.roundTrip(t, o, e), [text, options, entry]);
    assert.deepEqual(got, { svg: text, canvas: text, png: text }, entry);
  }
});

test('a screenshot of the SVG as laid out on the page decodes (no seams)', async () => {
  for (const text of BASE_PAYLOADS.slice(0, 4)) {
    await page.evaluate(([t]) => window.showSvg(t, { width: 231, title: '扫码支付' }), [text]);
    const shot = await page.locator('#stage svg').screenshot();
    const decoded = await page.evaluate((u) => window.decodePng(u), `data:image/png;base64,${shot.toString('base64')}`);
    assert.equal(decoded, text);
  }
});
