// Runs inside workerd for bench/run.mjs. workerd stops the clock during a
// request (Spectre mitigation), so each route does `n` iterations and the caller
// times the whole request from outside, minus an empty request.
import wasm from '../pkg/worker/qrcheckout_bg.wasm';
import { init, buildOrder, signRequest, signGatepay } from '../pkg/worker.js';

init(wasm);

const CONFIG = { baseUrl: 'https://openplatform.gateapi.io', clientId: 'bench-client' };
const SECRET = 'test_secret_key_0123456789';
const order = (i) => ({
  merchantTradeNo: `BENCH${100000 + i}`,
  env: { terminalType: 'APP' },
  currency: 'USDT',
  orderAmount: '12.50',
  goods: { goodsName: 'NF2T', goodsDetail: 'bench order' },
});
const nonce = (i) => `n${i}x7Kq2`;
let keyPromise;

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') || 1);
    const ts = 1700000000000;
    let sink = 0;
    if (url.pathname === '/wasm') {
      for (let i = 0; i < n; i++) {
        const unsigned = buildOrder('gatepay', order(i), CONFIG);
        sink += signRequest('gatepay', unsigned, SECRET, { timestamp: ts, nonce: nonce(i) }).signature.length;
      }
    } else if (url.pathname === '/wasm-sign') {
      const body = JSON.stringify(order(0));
      for (let i = 0; i < n; i++) sink += signGatepay(String(ts), nonce(i), body, SECRET).length;
    } else if (url.pathname === '/webcrypto-sign') {
      keyPromise ??= crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign']);
      const key = await keyPromise;
      const enc = new TextEncoder();
      const body = JSON.stringify(order(0));
      for (let i = 0; i < n; i++) {
        const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${ts}\n${nonce(i)}\n${body}\n`)));
        let hex = '';
        for (const b of mac) hex += b.toString(16).padStart(2, '0');
        sink += hex.length;
      }
    } else if (url.pathname === '/webcrypto') {
      // The same request in plain JS: serialise, HMAC-SHA512 via crypto.subtle
      // (key imported once, as a careful JS implementation would), hex.
      keyPromise ??= crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign']);
      const key = await keyPromise;
      const enc = new TextEncoder();
      for (let i = 0; i < n; i++) {
        const body = JSON.stringify(order(i));
        const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${ts}\n${nonce(i)}\n${body}\n`)));
        let hex = '';
        for (const b of mac) hex += b.toString(16).padStart(2, '0');
        const headers = {
          'content-type': 'application/json',
          'X-GatePay-Certificate-ClientId': CONFIG.clientId,
          'X-GatePay-Timestamp': String(ts),
          'X-GatePay-Nonce': nonce(i),
          'X-GatePay-Signature': hex,
        };
        sink += headers['X-GatePay-Signature'].length;
      }
    } else if (url.pathname === '/instantiate') {
      // Instantiating the precompiled module is the per-isolate cold-start cost.
      const imports = {};
      for (const imp of WebAssembly.Module.imports(wasm)) {
        imports[imp.module] ??= {};
        imports[imp.module][imp.name] =
          imp.kind === 'function'
            ? () => {}
            : imp.kind === 'table'
              ? new WebAssembly.Table({ initial: 0, element: 'externref' })
              : undefined;
      }
      for (let i = 0; i < n; i++) sink += Object.keys(new WebAssembly.Instance(wasm, imports).exports).length;
    }
    return new Response(String(sink));
  },
};
