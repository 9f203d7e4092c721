// qrcheckout/qr: QR rendering and paymentQrSource in their own small wasm. `await init()` once
// (fetches qr/qrcheckout_bg.wasm beside this file) or `initSync({ module })`. The whole glue:
// the wasm has plain exports (src/abi.rs); every rule, option and message is in Rust.
let w, loading;
const enc = new TextEncoder();
const dec = new TextDecoder();
const start = (i) => (w = i.exports);

async function load(input) {
  let src = (input && input.module_or_path) ?? input ?? new URL('./qr/qrcheckout_bg.wasm', import.meta.url);
  src = await src;
  if (src instanceof WebAssembly.Module) return start(await WebAssembly.instantiate(src));
  if (typeof src === 'string' || src instanceof URL || src instanceof Request) src = await fetch(src);
  // Compiled while it downloads when served as application/wasm.
  if (src instanceof Response)
    return start(
      (src.headers.get('content-type') ?? '').startsWith('application/wasm')
        ? (await WebAssembly.instantiateStreaming(src)).instance
        : (await WebAssembly.instantiate(await src.arrayBuffer())).instance,
    );
  return start((await WebAssembly.instantiate(src)).instance);
}

export default function init(input) {
  // A failed download may be tried again.
  return w ? Promise.resolve(w) : (loading ??= load(input).catch((e) => ((loading = null), Promise.reject(e))));
}
export { init };

export function initSync(input) {
  const m = (input && input.module) ?? input;
  return w ?? start(new WebAssembly.Instance(m instanceof WebAssembly.Module ? m : new WebAssembly.Module(m)));
}

/** One call: `f(put)` copies strings in; the output is copied out, everything freed. */
function call(f) {
  if (!w) throw new Error('qrcheckout/qr: call init() first');
  const held = [];
  const put = (s) => {
    const b = enc.encode(s);
    const p = w.qr_alloc(b.length);
    new Uint8Array(w.memory.buffer, p, b.length).set(b);
    held.push(p, b.length);
    return [p, b.length];
  };
  try {
    const failed = f(put);
    const out = new Uint8Array(w.memory.buffer, w.qr_out_ptr(), w.qr_out_len()).slice();
    if (failed) {
      const [code, field, message, messageZh] = texts(out, 0, 4);
      throw Object.assign(new Error(message), { name: 'CheckoutError', code, field: field || null, messageZh, gatewayCode: null });
    }
    return out;
  } finally {
    for (let i = 0; i < held.length; i += 2) w.qr_free(held[i], held[i + 1]);
    w.qr_done();
  }
}

/** `n` texts from byte `at`: their u32 lengths, then their UTF-8 (src/abi.rs `texts`). */
function texts(b, at, n) {
  const v = new DataView(b.buffer);
  let from = at + 4 * n;
  return Array.from({ length: n }, (_, i) => dec.decode(b.subarray(from, (from += v.getUint32(at + 4 * i, true)))));
}

const render = (what, text, o) =>
  call((put) => {
    const given = o !== undefined && o !== null;
    w.qr_begin(given ? (typeof o === 'object' ? 1 : 2) : 0);
    if (given && typeof o === 'object')
      for (const k of Object.keys(o)) {
        const v = o[k];
        const t = typeof v;
        if (v !== undefined)
          w.qr_option(
            ...put(k),
            t === 'string' ? 0 : t === 'number' ? 1 : 2,
            ...(t === 'string' ? put(v) : [0, 0]),
            t === 'number' ? v : 0,
          );
      }
    return w.qr_render(what, ...put(text));
  });

export const renderQrSvg = (text, options) => dec.decode(render(0, text, options));
export const renderQrPng = (text, options) => dec.decode(render(1, text, options));

export function qrMatrix(text, options) {
  const b = render(2, text, options);
  const v = new DataView(b.buffer);
  return { size: v.getUint32(0, true), quietZone: v.getUint32(4, true), modules: b.subarray(8) };
}

export function drawQr(canvas, text, options) {
  // Rust decides the paint (the SVG's dark runs): px, unit, runs, (row, column, length)…, dark, light.
  const b = render(3, text, options);
  const v = new DataView(b.buffer);
  const [px, unit, runs] = [0, 4, 8].map((at) => v.getUint32(at, true));
  const ok =
    (typeof HTMLCanvasElement == 'function' && canvas instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas == 'function' && canvas instanceof OffscreenCanvas);
  const ctx = ok && ((canvas.width = canvas.height = px), canvas.getContext('2d'));
  if (!ctx) call(() => w.qr_not_canvas());
  const [dark, light] = texts(b, 12 + runs * 12, 2);
  ctx.fillStyle = light;
  ctx.fillRect(0, 0, px, px);
  ctx.fillStyle = dark;
  for (let at = 12; at < 12 + runs * 12; at += 12)
    ctx.fillRect(v.getUint32(at + 4, true) * unit, v.getUint32(at, true) * unit, v.getUint32(at + 8, true) * unit, unit);
  return px;
}

export function paymentQrSource(payment) {
  const show = payment?.show;
  const [kind, value] = texts(
    call((put) => {
      w.qr_begin(0);
      for (const k of ['kind', 'content', 'url', 'dataUrl']) if (typeof show?.[k] == 'string') w.qr_show_field(...put(k), ...put(show[k]));
      return w.qr_source();
    }),
    0,
    2,
  );
  return { kind, value };
}
