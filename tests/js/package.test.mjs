// The npm package as a user gets it: `npm pack`, install the tarball into a fresh
// project, import both entries (and the workerd condition) and use them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
let project;

/** Runs an ES module inside the installed project; returns its JSON output. */
function run(code, conditions = []) {
  const file = join(project, `t${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const args = [...conditions.map((c) => `--conditions=${c}`), file];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' }));
}

before(() => {
  project = mkdtempSync(join(tmpdir(), 'qrcheckout-install-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: pkgDir, encoding: 'utf8' });
  const [{ filename, files }] = JSON.parse(out);
  const shipped = files.map((f) => f.path);
  for (const must of [
    'browser.js',
    'browser.d.ts',
    'worker.js',
    'worker.d.ts',
    'browser/qrcheckout_bg.wasm',
    'validator.js',
    'wasm.js',
    'validator/qrcheckout_bg.wasm',
    'qr.js',
    'qr.d.ts',
    'qr/qrcheckout_bg.wasm',
    'checkout.js',
    'checkout.d.ts',
    'worker/qrcheckout_bg.wasm',
  ]) {
    assert.ok(shipped.includes(must), `${must} ships`);
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(project, filename)], { cwd: project, stdio: 'pipe' });
});

test('browser entry: validate, build, parse, QR — and no signing exports', () => {
  const r = run(`
    import { readFileSync } from 'node:fs';
    import * as qc from 'qrcheckout';
    qc.initSync({ module: readFileSync('node_modules/qrcheckout/browser/qrcheckout_bg.wasm') });
    let err;
    const bad = { productId: 1, productNum: 0, payType: 'alipay', outOrderId: 'A', custom: '' };
    try { qc.validateOrder('gatepay-io', bad); } catch (e) { err = e; }
    const order = { outTradeNo: 'A1', payType: 30, description: '苹果', amount: 1, clientIp: '127.0.0.1' };
    order.notifyUrl = 'https://s.example/n';
    const req = qc.buildOrder('yimafu', order, { baseUrl: 'https://y.example', appId: 'app1' });
    const reply = { code: 100, data: { order_url: 'https://gatepay.io/pay?id=1', order_price: 9.9 } };
    const pay = qc.parseResponse('gatepay-io', 200, JSON.stringify(reply));
    console.log(JSON.stringify({
      keys: Object.keys(qc).sort(),
      err: { isError: err instanceof Error, code: err.code, gatewayCode: err.gatewayCode, field: err.field, zh: err.messageZh },
      signingInput: req.signingInput,
      amount: pay.amount,
      svg: qc.renderQrSvg(pay.show.content).startsWith('<svg'),
    }));
  `);
  assert.deepEqual(r.keys, [
    'buildOrder',
    'countdown',
    'createCheckout',
    'default',
    'drawQr',
    'init',
    'initSync',
    'parseResponse',
    'paymentQrSource',
    'qrMatrix',
    'renderQrPng',
    'renderQrSvg',
    'requiredFields',
    'validateChoice',
    'validateOrder',
  ]);
  assert.deepEqual(r.err, {
    isError: true,
    code: 'invalid_quantity',
    gatewayCode: '105',
    field: 'productNum',
    zh: 'productNum：购买数量需要大于0',
  });
  assert.equal(
    r.signingInput,
    'amount=1&app_id=app1&client_ip=127.0.0.1&description=苹果&notify_url=https://s.example/n&out_trade_no=A1&pay_type=30',
  );
  assert.equal(r.amount, '9.90');
  assert.equal(r.svg, true);
});

test('QR entry: its own wasm, only the QR exports, same typed errors', () => {
  const r = run(`
    import { readFileSync } from 'node:fs';
    import * as qr from 'qrcheckout/qr';
    import * as flow from 'qrcheckout/checkout';
    qr.initSync({ module: readFileSync('node_modules/qrcheckout/qr/qrcheckout_bg.wasm') });
    let err;
    try { qr.renderQrSvg(''); } catch (e) { err = e; }
    console.log(JSON.stringify({
      keys: Object.keys(qr).sort(),
      flow: Object.keys(flow).sort(),
      svg: qr.renderQrSvg('https://qr.alipay.com/bax1', { width: 200 }).startsWith('<svg'),
      source: qr.paymentQrSource({ show: { kind: 'redirect', url: 'https://gatepay.io/pay/1' } }),
      err: { name: err.name, code: err.code, field: err.field, zh: err.messageZh },
    }));
  `);
  assert.deepEqual(r.keys, ['default', 'drawQr', 'init', 'initSync', 'paymentQrSource', 'qrMatrix', 'renderQrPng', 'renderQrSvg']);
  assert.deepEqual(r.flow, ['countdown', 'createCheckout']);
  assert.equal(r.svg, true);
  assert.deepEqual(r.source, { kind: 'text', value: 'https://gatepay.io/pay/1' });
  assert.deepEqual(r.err, { name: 'CheckoutError', code: 'qr_empty', field: 'text', zh: '二维码内容为空' });
});

test('worker entry: init with a compiled WebAssembly.Module, sign SIGNING.md vectors', () => {
  const r = run(`
    import { readFileSync } from 'node:fs';
    import * as w from 'qrcheckout/worker';
    w.init(new WebAssembly.Module(readFileSync('node_modules/qrcheckout/worker/qrcheckout_bg.wasm')));
    w.init('ignored: a second init is a no-op');
    console.log(JSON.stringify({
      io: w.signGatepayIo(
        { appkey: 'ak_5cbadd67774f8', product_id: 7, product_num: 1, pay_type: 'wechat', out_order_id: 'SO-微信-7', custom: '张三' },
        'sk_test_secret',
      ),
      gp: w.signGatepay('1700073707111', '456', '{the_answer: 42}', '123'),
      ymf: w.signYimafu({
        amount: 100, app_id: 'app_9ba59abbe56e057f20f', attach: '{"userId":888,"level":3}', client_ip: '127.0.0.1',
        description: '苹果13Pro',
        notify_url: 'http://api.qdoto.com/transactions/notify.html', out_trade_no: '1217752501201407', pay_type: 20, time_expire: 60,
      }, '0123456789abcdef0123456789abcdef'),
    }));
  `);
  assert.equal(r.io, '9be0beaeeed523a63ec5febcccdabdd4');
  assert.equal(
    r.gp,
    '1b03f547af065490c6e106bd93afc861329c52b596512d49489ca0c4ea57adee2991a576e402422a6bb092b83acf0a5618f5b0a7d4c639ae7779fbb3a1b16346',
  );
  assert.equal(r.ymf, '0531E3DDA4966502D061D1E643A42BDE');
});

test('the workerd condition selects the worker entry for the bare name', () => {
  const keys = (cond) => run(`import * as m from 'qrcheckout'; console.log(JSON.stringify(Object.keys(m)));`, cond);
  assert.ok(keys(['workerd']).includes('signGatepay'));
  assert.ok(keys(['worker']).includes('verifyNotify'));
  assert.ok(!keys([]).includes('signGatepay'));
});

test('the .wasm files can be imported by subpath (as wrangler/workerd do)', () => {
  const r = run(`
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const wasm = (entry) => require.resolve(\`qrcheckout/\${entry}/qrcheckout_bg.wasm\`);
    console.log(JSON.stringify([wasm('worker'), wasm('browser'), wasm('qr'), wasm('validator')]));
  `);
  assert.match(r[0], /node_modules\/qrcheckout\/worker\/qrcheckout_bg\.wasm$/);
  assert.match(r[1], /node_modules\/qrcheckout\/browser\/qrcheckout_bg\.wasm$/);
  assert.match(r[2], /node_modules\/qrcheckout\/qr\/qrcheckout_bg\.wasm$/);
  assert.match(r[3], /node_modules\/qrcheckout\/validator\/qrcheckout_bg\.wasm$/);
});

/** Source without comments, so a name mentioned in prose does not count. */
const code = (file) =>
  readFileSync(join(pkgDir, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

test('every export of every entry has a type declaration', () => {
  const entries = Object.values(JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).exports)
    .filter((e) => typeof e === 'object' && e.default.endsWith('.js'))
    .map((e) => [e.default.slice(2), e.types.slice(2)]);
  const pairs = [...new Map(entries.map(([js, dts]) => [`${js}|${dts}`, [js, dts]])).values()];
  assert.deepEqual(
    pairs.map(([js]) => js).sort(),
    ['browser.js', 'checkout.js', 'durable.js', 'handler.js', 'qr.js', 'webhook.js', 'worker.js'],
    'every entry is checked',
  );
  for (const [jsFile, dtsFile] of pairs) {
    const js = code(jsFile);
    const dts = code(dtsFile);
    const exported = [
      ...[...js.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) =>
        m[1]
          .split(',')
          .map((n) =>
            n
              .trim()
              .split(/\s+as\s+/)
              .pop(),
          )
          .filter(Boolean),
      ),
      ...[...js.matchAll(/export\s+(?:async\s+)?(?:function\*?|class|const|let)\s+(\w+)/g)].map((m) => m[1]),
    ].filter((n) => n !== 'default');
    assert.ok(exported.length >= 1, `${jsFile}: ${exported}`);
    for (const name of exported) {
      const declared = new RegExp(
        `export\\s+(?:declare\\s+)?(?:function|class|const|interface|type)\\s+${name}\\b|export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`,
      );
      assert.match(dts, declared, `${dtsFile} declares ${name} (exported by ${jsFile})`);
    }
  }
});
