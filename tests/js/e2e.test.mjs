// A buyer pays end to end in headless Chromium: the demo page, the worker in
// workerd and the sandbox gateway, all on loopback. The QR on screen is decoded
// from a screenshot with jsQR, the decoded link opened in a second tab and paid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack } from '../../sandbox/stack.mjs';
import { launch } from './browser.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${root}test-output/e2e`;
let stack, browser;
// www/app.js backs its fallback polling off to 5 s; a wait for "paid" allows that plus margin.
const POLL_MAX_MS = 5000;
const PAID_WAIT_MS = POLL_MAX_MS + 3000;

before(async () => {
  mkdirSync(OUT, { recursive: true });
  stack = await startStack({ pagePort: 18180, workerPort: 18187, sandboxPort: 18188, env: {} });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function openPage(s = stack, { lang = 'en', width = 360 } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  await context.addInitScript((l) => localStorage.setItem('lang', l), lang);
  const page = await context.newPage();
  const checkouts = [];
  const polls = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/checkout')) checkouts.push(r);
    if (/\/orders\/\w+$/.test(r.url())) polls.push(r);
  });
  await page.goto(`${s.urls.page}/?worker=${encodeURIComponent(s.urls.worker)}`);
  await page.waitForSelector('body[data-ready=true]');
  return { page, context, checkouts, polls };
}

async function choose(page, { sku, gateway, payType, quantity = '1' }) {
  await page.selectOption('#sku', sku);
  await page.selectOption('#gateway', gateway);
  await page.selectOption('#payType', payType);
  await page.fill('#quantity', quantity);
}

/**
 * Decodes the QR element from a real screenshot with jsQR — in a blank page of
 * its own, since the checkout page's CSP (rightly) refuses the injected decoder.
 */
async function decodeOnScreen(page) {
  const shot = await page.locator('#qr').screenshot();
  const decoder = await browser.newPage();
  await decoder.addScriptTag({ path: `${root}node_modules/jsqr/dist/jsQR.js` });
  const text = await decoder.evaluate(
    async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height);
      return window.jsQR(d.data, d.width, d.height)?.data ?? null;
    },
    `data:image/png;base64,${shot.toString('base64')}`,
  );
  await decoder.close();
  return text;
}

const CASES = [
  { gateway: 'gatepay-io', sku: 'longjing-250g', payType: 'alipay', amount: '29.90' },
  { gateway: 'gatepay', sku: 'nf2t', payType: 'WEB', amount: '2.42', quantity: '2' },
  { gateway: 'yimafu', sku: 'member-month', payType: '20', amount: '9.90' },
];

for (const c of CASES) {
  test(`${c.gateway}: choose → pay → scan the QR → pay on the sandbox → page shows paid`, async () => {
    const { page, context, polls } = await openPage();
    await choose(page, c);
    await page.click('#pay');
    await page.waitForSelector('body[data-state=payment]');
    assert.match(await page.textContent('#pay-amount'), new RegExp(c.amount.replace('.', '\\.')));
    assert.match(await page.textContent('#countdown'), /^\d+:\d\d$/);
    const link = await decodeOnScreen(page);
    assert.match(link ?? '', new RegExp(`^${stack.urls.sandbox}/pay/${c.gateway}-`), `decoded ${link}`);
    if (c.gateway === 'gatepay-io')
      assert.equal(await page.getAttribute('#qr img', 'alt'), 'Payment QR code', "the gateway's own image, with alt text");
    else assert.equal(await page.getAttribute('#qr svg', 'aria-label'), 'Payment QR code');
    await page.screenshot({ path: `${OUT}/${c.gateway}-qr.png`, fullPage: true });

    const phone = await context.newPage();
    await phone.goto(link);
    await phone.click('#pay');
    await phone.waitForSelector('text=paid');
    await page.waitForSelector('body[data-state=paid]', { timeout: PAID_WAIT_MS });
    assert.equal(polls.length, 0, 'paid arrived as a live event, without polling');
    await page.screenshot({ path: `${OUT}/${c.gateway}-paid.png`, fullPage: true });
    await context.close();
  });
}

test('no live events (blocked): the page falls back to polling and still shows paid', async () => {
  const { page, context, polls } = await openPage();
  await page.route('**/events', (route) => route.abort());
  await choose(page, CASES[2]);
  await page.click('#pay');
  await page.waitForSelector('body[data-state=payment]');
  const id = await page.textContent('#order-id');
  const seen = [...stack.sandbox.orders.values()].find((o) => o.merchantOrderId === id);
  await stack.sandbox.pay(seen.id);
  await page.waitForSelector('body[data-state=paid]', { timeout: PAID_WAIT_MS });
  assert.ok(polls.length > 0, 'it polled');
  await context.close();
});

test('a network error on Pay is retried with the same Idempotency-Key: one order at the gateway', async () => {
  const { page, context, checkouts } = await openPage();
  let first = true;
  await page.route('**/checkout', async (route) => {
    if (!first) return route.continue();
    first = false;
    await route.fetch(); // the worker creates the order…
    await route.abort('connectionreset'); // …and its answer is lost on the way back
  });
  const before = stack.sandbox.orders.size;
  await choose(page, CASES[1]);
  await page.click('#pay');
  await page.waitForSelector('body[data-state=payment]');
  assert.equal(checkouts.length, 2, 'sent twice');
  const keys = checkouts.map((r) => r.headers()['idempotency-key']);
  assert.ok(keys[0] && keys[0] === keys[1], `same key: ${keys}`);
  assert.equal(stack.sandbox.orders.size, before + 1, 'one order at the gateway');
  await context.close();
});

test('under a strict Content-Security-Policy the whole purchase runs with no violation, and injected script is blocked', async () => {
  const { page, context } = await openPage();
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  for (const c of [CASES[0], CASES[1]]) {
    // the gateway's own image (data: URL) and our SVG
    const policy = (await page.reload()).headers()['content-security-policy'];
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|\*/, 'no inline script or style, no wildcards');
    assert.match(policy, new RegExp(`connect-src 'self' ${stack.urls.worker}(;|$)`));
    await page.waitForSelector('body[data-ready=true]');
    await choose(page, c);
    await page.click('#pay');
    await page.waitForSelector('body[data-state=payment]');
    const id = await page.textContent('#order-id');
    await stack.sandbox.pay([...stack.sandbox.orders.values()].find((o) => o.merchantOrderId === id).id);
    await page.waitForSelector('body[data-state=paid]', { timeout: PAID_WAIT_MS });
    await page.click('#lang');
  }
  assert.deepEqual(violations, [], 'the purchase needs nothing the policy forbids');
  const pwned = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.pwned = true';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return window.pwned === true;
  });
  assert.equal(pwned, false, 'an injected inline script does not run');
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(
    violations.some((v) => v.includes('script-src')),
    `the attempt is reported: ${violations}`,
  );
  await context.close();
});

test('a field error is shown in the page language before any network call', async () => {
  const { page, context, checkouts } = await openPage(stack, { lang: 'zh' });
  await choose(page, { sku: 'longjing-250g', gateway: 'gatepay-io', payType: 'wechat', quantity: '2' });
  await page.click('#pay');
  assert.equal(await page.textContent('#quantity-error'), 'productNum：微信支付只能单件购买');
  assert.equal(await page.getAttribute('#quantity', 'aria-invalid'), 'true');
  await page.fill('#quantity', '0');
  await page.click('#pay');
  assert.equal(await page.textContent('#quantity-error'), '数量必须是 1 到 999 之间的整数');
  await page.click('#lang');
  await choose(page, { sku: 'longjing-250g', gateway: 'yimafu', payType: '22', quantity: '1' });
  await page.click('#pay');
  assert.equal(await page.textContent('#openid-error'), 'openid is required');
  assert.equal(checkouts.length, 0, 'no request reached the worker');
  await page.screenshot({ path: `${OUT}/field-error.png`, fullPage: true });
  await context.close();
});

test('an app credential is shown with an "open in app" link', async () => {
  const { page, context } = await openPage();
  await choose(page, { sku: 'longjing-250g', gateway: 'yimafu', payType: '31' });
  await page.click('#pay');
  await page.waitForSelector('body[data-state=payment]');
  assert.match(await page.textContent('#credential'), /prepay_id=/);
  assert.match(await page.getAttribute('#open-app', 'href'), /\/pay\/yimafu-/);
  await context.close();
});

test('expiry: a short-lived order shows "expired" and a retry button', async () => {
  const short = await startStack({ pagePort: 18280, workerPort: 18287, sandboxPort: 18288, env: { ORDER_EXPIRY_MS: '2500' } });
  try {
    const { page, context } = await openPage(short);
    await choose(page, { sku: 'member-month', gateway: 'yimafu', payType: '30' });
    await page.click('#pay');
    await page.waitForSelector('body[data-state=payment]');
    await page.waitForSelector('body[data-state=expired]', { timeout: 8000 });
    await page.screenshot({ path: `${OUT}/expired.png`, fullPage: true });
    await page.click('#retry');
    await page.waitForSelector('body[data-state=form]');
    await context.close();
  } finally {
    await short.stop();
  }
});

test('keyboard only: tab to the pay button and press Enter', async () => {
  const { page, context } = await openPage();
  await page.focus('#quantity');
  await page.keyboard.press('Tab'); // gateway
  await page.keyboard.press('Tab'); // method
  await page.keyboard.press('Tab'); // pay
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pay');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-state=payment]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'fits 360 px without horizontal scrolling');
  await context.close();
});
