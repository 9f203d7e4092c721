// QR-only entry (`qrcheckout/qr`): for a page that only shows a payment. Its own
// small wasm: rendering (SVG, PNG, matrix, canvas) and paymentQrSource, nothing
// else. Call `await init()` once (it fetches qr/qrcheckout_bg.wasm next to this
// file), or `initSync({ module })` with bytes or a WebAssembly.Module.
//
// This file is the entry's whole glue: the wasm has plain exports over its memory
// (src/abi.rs), because wasm-bindgen's generated glue and shims were a third of
// this entry's weight. Every rule — options, errors and their messages — is in Rust.
let wasm = null;
let loading = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const ready = (instance) => (wasm = instance.exports);

async function load(input) {
  let source = input && typeof input === 'object' && 'module_or_path' in input ? await input.module_or_path : input;
  source ??= new URL('./qr/qrcheckout_bg.wasm', import.meta.url);
  if (source instanceof WebAssembly.Module) return ready(await WebAssembly.instantiate(source, {}));
  if (typeof source === 'string' || source instanceof URL || (typeof Request === 'function' && source instanceof Request))
    source = fetch(source);
  source = await source;
  if (typeof Response === 'function' && source instanceof Response) {
    // Compiled while it downloads, when the server labels it as wasm.
    if ((source.headers.get('content-type') ?? '').startsWith('application/wasm'))
      return ready((await WebAssembly.instantiateStreaming(source, {})).instance);
    source = await source.arrayBuffer();
  }
  return ready((await WebAssembly.instantiate(source, {})).instance);
}

/** Loads the wasm once (by default the .wasm beside this file); later calls return the same. */
export default function init(input) {
  if (wasm) return Promise.resolve(wasm);
  loading ??= load(input).catch((e) => {
    loading = null; // a dropped download may be tried again
    throw e;
  });
  return loading;
}
export { init };

export function initSync(input) {
  if (wasm) return wasm;
  const module = input && typeof input === 'object' && 'module' in input ? input.module : input;
  return ready(new WebAssembly.Instance(module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module), {}));
}

function exportsOrThrow() {
  if (!wasm) throw new Error('qrcheckout/qr: call init() before rendering');
  return wasm;
}

/** Runs `f(w, put)` as one call: strings copied in with `put`, everything freed after. */
function call(f) {
  const w = exportsOrThrow();
  const held = [];
  const put = (text) => {
    const bytes = encoder.encode(text);
    const ptr = w.qr_alloc(bytes.length);
    new Uint8Array(w.memory.buffer, ptr, bytes.length).set(bytes);
    held.push([ptr, bytes.length]);
    return [ptr, bytes.length];
  };
  try {
    const failed = f(w, put);
    const out = new Uint8Array(w.memory.buffer, w.qr_out_ptr(), w.qr_out_len()).slice();
    if (failed) throw checkoutError(texts(out, 0, 4));
    return out;
  } finally {
    for (const [ptr, len] of held) w.qr_free(ptr, len);
    w.qr_done();
  }
}

/** `n` texts written by src/abi.rs from byte `at`: their u32 lengths, then their UTF-8. */
function texts(bytes, at, n) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out = [];
  for (let i = 0, from = at + 4 * n; i < n; i++) {
    const len = view.getUint32(at + 4 * i, true);
    out.push(decoder.decode(bytes.subarray(from, (from += len))));
  }
  return out;
}

/** The Rust error as src/abi.rs writes it. */
function checkoutError([code, field, message, messageZh]) {
  const e = new Error(message);
  e.name = 'CheckoutError';
  return Object.assign(e, { code, field: field || null, messageZh, gatewayCode: null });
}

/** States the options one by one; Rust checks them (same errors as the full entry). */
function begin(w, put, options) {
  const given = options !== undefined && options !== null;
  w.qr_begin(!given ? 0 : typeof options === 'object' ? 1 : 2);
  if (!given || typeof options !== 'object') return;
  for (const key of Object.keys(options)) {
    const v = options[key];
    if (v === undefined) continue;
    const [kp, kl] = put(key);
    const [vp, vl] = typeof v === 'string' ? put(v) : [0, 0];
    w.qr_option(kp, kl, typeof v === 'string' ? 0 : typeof v === 'number' ? 1 : 2, vp, vl, typeof v === 'number' ? v : 0);
  }
}

const render = (what, text, options) =>
  call((w, put) => {
    begin(w, put, options);
    return w.qr_render(what, ...put(text));
  });

export function renderQrSvg(text, options) {
  return decoder.decode(render(0, text, options));
}

export function renderQrPng(text, options) {
  return decoder.decode(render(1, text, options));
}

/** `{ size, quietZone, modules: Uint8Array }`, row-major, 1 = dark. */
export function qrMatrix(text, options) {
  const out = render(2, text, options);
  const head = new DataView(out.buffer);
  return { size: head.getUint32(0, true), quietZone: head.getUint32(4, true), modules: out.subarray(8) };
}

const isCanvas = (c) =>
  (typeof HTMLCanvasElement === 'function' && c instanceof HTMLCanvasElement) ||
  (typeof OffscreenCanvas === 'function' && c instanceof OffscreenCanvas);

/** Draws on an `HTMLCanvasElement` or `OffscreenCanvas`, resizing it to the QR; returns the side in pixels. */
export function drawQr(canvas, text, options) {
  // What to paint comes from Rust (the same dark runs as the SVG path): px, unit, runs, then the colours.
  const out = render(3, text, options);
  const ctx = isCanvas(canvas)
    ? ((canvas.width = canvas.height = new DataView(out.buffer).getUint32(0, true)), canvas.getContext('2d'))
    : null;
  if (!ctx) call((w) => w.qr_not_canvas());
  const words = new DataView(out.buffer);
  const [px, unit, runs] = [0, 4, 8].map((at) => words.getUint32(at, true));
  const [dark, light] = texts(out, 12 + runs * 12, 2);
  ctx.fillStyle = light;
  ctx.fillRect(0, 0, px, px);
  ctx.fillStyle = dark;
  for (let i = 0, at = 12; i < runs; i++, at += 12)
    ctx.fillRect(words.getUint32(at + 4, true) * unit, words.getUint32(at, true) * unit, words.getUint32(at + 8, true) * unit, unit);
  return px;
}

/** What a `Payment` puts in the QR slot: `{ kind: 'text' | 'image', value }` (an image re-checked). */
export function paymentQrSource(payment) {
  const show = payment?.show;
  const out = call((w, put) => {
    w.qr_begin(0);
    for (const key of ['kind', 'content', 'url', 'dataUrl'])
      if (show && typeof show[key] === 'string') w.qr_show_field(...put(key), ...put(show[key]));
    return w.qr_source();
  });
  const [kind, value] = texts(out, 0, 2);
  return { kind, value };
}
