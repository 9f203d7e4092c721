// The browser checkout API (`createCheckout`) in Chromium, against the worker in
// workerd (Durable Objects on disk) and the sandbox gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../../sandbox/stack.mjs';
import { launch } from './browser.mjs';

let stack, short, browser;

before(async () => {
  stack = await startStack({ pagePort: 18480, workerPort: 18487, sandboxPort: 18488 });
  short = await startStack({ pagePort: 18490, workerPort: 18497, sandboxPort: 18498, env: { ORDER_EXPIRY_MS: '2000' } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await short?.stop();
});

/** A blank page on the demo's origin with the package loaded as `window.qc`. */
async function page(s = stack) {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${s.urls.page}/pkg/package.json`);
  await p.evaluate(async () => {
    window.qc = await import('/pkg/browser.js');
  });
  return { p, context, worker: s.urls.worker };
}

const sandboxOrder = (s, id) => [...s.sandbox.orders.values()].find((o) => o.merchantOrderId === id);

test('validate: exact quotes from the catalog, typed errors naming the buyer field', async () => {
  const { p, context, worker } = await page();
  const r = await p.evaluate(async (endpoint) => {
    const c = window.qc.createCheckout({ endpoint });
    const err = async (choice) =>
      c.validate(choice).then(
        () => null,
        (e) => [e.name, e.code, e.field, e.messageZh],
      );
    return {
      quote: await c.validate({ sku: 'longjing-250g', quantity: '3', gateway: 'yimafu', payType: '30' }),
      options: c.options({ sku: 'longjing-250g', gateway: 'yimafu', payType: '22' }),
      wechatTwo: await err({ sku: 'longjing-250g', quantity: 2, gateway: 'gatepay-io', payType: 'wechat' }),
      noOpenid: await err({ sku: 'longjing-250g', gateway: 'yimafu', payType: '22' }),
      noSku: await err({ sku: 'nope', gateway: 'yimafu', payType: '30' }),
      zero: await err({ sku: 'nf2t', quantity: 0, gateway: 'gatepay', payType: 'WEB' }),
      notOffered: await err({ sku: 'nf2t', gateway: 'yimafu', payType: '30' }),
    };
  }, worker);
  assert.deepEqual(r.quote, { sku: 'longjing-250g', gateway: 'yimafu', payType: '30', quantity: 3, amount: '89.70', currency: 'CNY' });
  assert.deepEqual(r.options.gateways, ['gatepay-io', 'yimafu']);
  assert.deepEqual(r.options.fields, ['openid']);
  assert.deepEqual(r.wechatTwo, ['CheckoutError', 'wechat_single_item', 'quantity', 'productNum：微信支付只能单件购买']);
  assert.deepEqual(r.noOpenid.slice(0, 3), ['CheckoutError', 'missing_field', 'openid']);
  assert.deepEqual(r.noSku.slice(0, 3), ['CheckoutError', 'invalid_field', 'sku']);
  assert.deepEqual(r.zero.slice(0, 3), ['CheckoutError', 'invalid_quantity', 'quantity']);
  assert.deepEqual(r.notOffered.slice(0, 3), ['CheckoutError', 'invalid_field', 'gateway']);
  await context.close();
});

test('a purchase never waits for the validator (loaded on first use); without it the worker answers the same typed errors', async () => {
  const { p, context, worker } = await page();
  const fetched = [];
  p.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const r = await p.evaluate(async (endpoint) => {
    const err = (e) => [e.name, e.code, e.field, e.messageZh];
    // The validator's wasm cannot be fetched: local checks fail, purchases do not.
    const c = window.qc.createCheckout({ endpoint, validatorWasm: '/pkg/missing.wasm' });
    await c.catalog();
    const fields = c.options({ sku: 'longjing-250g', gateway: 'yimafu', payType: '22' }).fields;
    const local = await c.validate({ sku: 'nf2t', gateway: 'gatepay', payType: 'WEB' }).then(
      () => 'validated',
      (e) => e.name,
    );
    const wechatTwo = await c.start({ sku: 'longjing-250g', quantity: 2, gateway: 'gatepay-io', payType: 'wechat' }).then(() => null, err);
    const started = await c.start({ sku: 'nf2t', gateway: 'gatepay', payType: 'WEB' });
    // With the validator loaded the same choice fails the same way, before any request.
    const good = window.qc.createCheckout({ endpoint });
    const before = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/checkout')).length;
    const localTwo = await good
      .validate({ sku: 'longjing-250g', quantity: 2, gateway: 'gatepay-io', payType: 'wechat' })
      .then(() => null, err);
    const startTwo = await good
      .start({ sku: 'longjing-250g', quantity: 2, gateway: 'gatepay-io', payType: 'wechat' })
      .then(() => null, err);
    const after = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/checkout')).length;
    return { fields, local, wechatTwo, qr: started.qr.kind, localTwo, startTwo, requests: after - before };
  }, worker);
  assert.deepEqual(r.fields, ['openid'], 'the catalog names the fields, no validator needed');
  assert.notEqual(r.local, 'validated');
  assert.deepEqual(r.wechatTwo, ['CheckoutError', 'wechat_single_item', 'quantity', 'productNum：微信支付只能单件购买']);
  assert.equal(r.qr, 'text', 'the purchase went through without the validator');
  assert.deepEqual(r.localTwo, r.wechatTwo, 'local and worker checks agree');
  assert.deepEqual(r.startTwo, r.wechatTwo);
  assert.equal(r.requests, 0, 'with the validator loaded, a bad choice never leaves the page');
  assert.ok(fetched.includes('/pkg/qr/qrcheckout_bg.wasm'), 'the QR entry was loaded');
  assert.ok(fetched.includes('/pkg/validator/qrcheckout_bg.wasm'), 'the validator entry was loaded');
  assert.ok(!fetched.some((f) => f.startsWith('/pkg/browser/')), 'the full entry never was: the flow does not use it');
  await context.close();
});

test('start → watch: live events to paid, for a QR text and a gateway image', async () => {
  const { p, context, worker } = await page();
  for (const choice of [
    { sku: 'nf2t', gateway: 'gatepay', payType: 'WEB', quantity: 2 },
    { sku: 'member-month', gateway: 'gatepay-io', payType: 'alipay' },
  ]) {
    const started = await p.evaluate(
      async ([endpoint, c]) => {
        window.c = window.qc.createCheckout({ endpoint });
        const s = await window.c.start(c);
        window.states = [];
        window.watching = window.c.watch(s.order.merchantOrderId, (o) => window.states.push(o.state));
        return s;
      },
      [worker, choice],
    );
    assert.equal(started.order.state, 'pending');
    assert.equal(started.qr.kind, choice.gateway === 'gatepay' ? 'text' : 'image');
    if (started.qr.kind === 'text') assert.equal(started.qr.value, started.link ?? started.payment.show.content);
    // Pay once the watch has seen the order pending (else the first state it sees may already be paid).
    await p.waitForFunction(() => window.states.length > 0);
    await stack.sandbox.pay(sandboxOrder(stack, started.order.merchantOrderId).id);
    const final = await p.evaluate(() => window.watching.done);
    assert.equal(final.state, 'paid');
    assert.deepEqual(await p.evaluate(() => window.states), ['pending', 'paid']);
  }
  await context.close();
});

test('watch: an unpaid order ends expired', async () => {
  const { p, context, worker } = await page(short);
  const final = await p.evaluate(async (endpoint) => {
    const c = window.qc.createCheckout({ endpoint });
    const s = await c.start({ sku: 'member-month', gateway: 'yimafu', payType: '30' });
    return c.watch(s.order.merchantOrderId).done;
  }, worker);
  assert.equal(final.state, 'expired');
  await context.close();
});

test('network failure mid-watch: events cut, polls failing, then back → still sees paid', async () => {
  const { p, context, worker } = await page();
  let failPolls = true;
  let failedPolls = 0;
  await p.route('**/events', (route) => route.abort('connectionreset'));
  await p.route(/\/orders\/\w+$/, (route) => {
    if (!failPolls) return route.continue();
    failedPolls += 1;
    return route.abort('internetdisconnected');
  });
  const id = await p.evaluate(async (endpoint) => {
    window.c = window.qc.createCheckout({ endpoint, pollMaxMs: 1000 });
    const s = await window.c.start({ sku: 'member-month', gateway: 'yimafu', payType: '30' });
    window.watching = window.c.watch(s.order.merchantOrderId);
    return s.order.merchantOrderId;
  }, worker);
  await stack.sandbox.pay(sandboxOrder(stack, id).id);
  await new Promise((r) => setTimeout(r, 2500));
  assert.ok(failedPolls >= 2, `polls failed meanwhile (${failedPolls})`);
  failPolls = false;
  const final = await p.evaluate(() => window.watching.done);
  assert.equal(final.state, 'paid');
  await context.close();
});

test('start: a lost answer is retried with the same key (one gateway order); stop() ends a watch; countdown ticks', async () => {
  const { p, context, worker } = await page();
  const keys = [];
  let first = true;
  await p.route('**/checkout', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (!first) return route.continue();
    first = false;
    await route.fetch();
    return route.abort('connectionreset');
  });
  const before = stack.sandbox.orders.size;
  const r = await p.evaluate(async (endpoint) => {
    const c = window.qc.createCheckout({ endpoint });
    const s = await c.start({ sku: 'nf2t', gateway: 'gatepay', payType: 'APP' });
    const w = c.watch(s.order.merchantOrderId);
    w.stop();
    const ticks = [];
    // 2.4 s, not 1.5: the first tick rounds to 0:02 even when it runs a few hundred ms late on a busy machine
    // (at 1.5 s a single millisecond late read as 0:01).
    const stopClock = window.qc.countdown(Date.now() + 2400, (t) => ticks.push(t.text));
    await new Promise((res) => setTimeout(res, 3000));
    stopClock();
    return { stopped: await w.done, ticks };
  }, worker);
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1]);
  assert.equal(stack.sandbox.orders.size, before + 1);
  assert.equal(r.stopped, null);
  assert.equal(r.ticks[0], '0:02');
  assert.equal(r.ticks.at(-1), '0:00');
  await context.close();
});

test('start: the link offered is only ever a web address (an app credential is passed on unchecked)', async () => {
  const { p, context, worker } = await page();
  const answers = [
    { payUrl: 'javascript:alert(document.domain)', link: null },
    { payUrl: 'https://pay.example/app/1', link: 'https://pay.example/app/1' },
  ];
  const links = [];
  for (const { payUrl } of answers) {
    await p.route('**/checkout', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          order: {
            merchantOrderId: 'QC0000000000LINK0001',
            state: 'pending',
            amount: '1.21',
            currency: 'USDT',
            expiresAt: Date.now() + 60000,
          },
          payment: { gateway: 'yimafu', show: { kind: 'app', channel: 'wx_app', credential: { payUrl } } },
        }),
      }),
    );
    links.push(
      await p.evaluate(async (endpoint) => {
        const s = await window.qc.createCheckout({ endpoint }).start({ sku: 'longjing-250g', gateway: 'yimafu', payType: '30' });
        return [s.qr, s.link];
      }, worker),
    );
    await p.unroute('**/checkout');
  }
  assert.deepEqual(
    links,
    answers.map((a) => [null, a.link]),
  );
  await context.close();
});
