// The browser entries' shared glue: loading a wasm with plain exports (src/abi.rs says how a call goes).
const enc = new TextEncoder();
const dec = new TextDecoder();
export const decode = (b) => dec.decode(b);

// `n` texts from byte `at`: their u32 lengths (0xffffffff: null), then their UTF-8.
export function texts(b, at, n) {
  const v = new DataView(b.buffer, b.byteOffset);
  let from = at + 4 * n;
  return Array.from({ length: n }, (_, i) => {
    const len = v.getUint32(at + 4 * i, true);
    return len === 0xffffffff ? null : dec.decode(b.subarray(from, (from += len)));
  });
}

// An entry's `init` / `initSync` (as wasm-bindgen's) and `call(f)`: `f(put, w)` puts texts in and calls w.
export function entry(url) {
  let w, loading;
  const start = (i) => (w = i.exports);

  async function load(input) {
    let src = (input && input.module_or_path) ?? input ?? url;
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

  // A failed download may be tried again.
  const init = (input) => (w ? Promise.resolve(w) : (loading ??= load(input).catch((e) => ((loading = null), Promise.reject(e)))));

  function initSync(input) {
    const m = (input && input.module) ?? input;
    return w ?? start(new WebAssembly.Instance(m instanceof WebAssembly.Module ? m : new WebAssembly.Module(m)));
  }

  function call(f) {
    if (!w) throw new Error('qrcheckout: call init() first (or initSync)');
    const held = [];
    const put = (s) => {
      const b = enc.encode(s);
      const p = w.qc_alloc(b.length);
      new Uint8Array(w.memory.buffer, p, b.length).set(b);
      held.push(p, b.length);
      return [p, b.length];
    };
    try {
      const failed = f(put, w);
      const out = new Uint8Array(w.memory.buffer, w.qc_out_ptr(), w.qc_out_len()).slice();
      if (failed) {
        const [code, field, message, messageZh, gatewayCode] = texts(out, 0, 5);
        throw Object.assign(new Error(message), { name: 'CheckoutError', code, field, messageZh, gatewayCode });
      }
      return out;
    } finally {
      for (let i = 0; i < held.length; i += 2) w.qc_free(held[i], held[i + 1]);
      w.qc_done();
    }
  }

  return { init, initSync, call };
}

// The QR functions over an entry's wasm.
export function qrFunctions(e) {
  const render = (what, text, o) =>
    e.call((put, w) => {
      const given = o !== undefined && o !== null;
      w.qc_begin(given ? (typeof o === 'object' ? 1 : 2) : 0);
      if (given && typeof o === 'object')
        for (const k of Object.keys(o)) {
          const v = o[k];
          const t = typeof v;
          if (v !== undefined)
            w.qc_option(
              ...put(k),
              t === 'string' ? 0 : t === 'number' ? 1 : 2,
              ...(t === 'string' ? put(v) : [0, 0]),
              t === 'number' ? v : 0,
            );
        }
      return w.qc_render(what, ...put(text));
    });

  function drawQr(canvas, text, options) {
    // Rust decides the paint (the SVG's dark runs): px, unit, runs, (row, column, length)…, dark, light.
    const b = render(3, text, options);
    const v = new DataView(b.buffer);
    const [px, unit, runs] = [0, 4, 8].map((at) => v.getUint32(at, true));
    const ok =
      (typeof HTMLCanvasElement == 'function' && canvas instanceof HTMLCanvasElement) ||
      (typeof OffscreenCanvas == 'function' && canvas instanceof OffscreenCanvas);
    const ctx = ok && ((canvas.width = canvas.height = px), canvas.getContext('2d'));
    if (!ctx) e.call((_, w) => w.qc_not_canvas());
    const [dark, light] = texts(b, 12 + runs * 12, 2);
    ctx.fillStyle = light;
    ctx.fillRect(0, 0, px, px);
    ctx.fillStyle = dark;
    for (let at = 12; at < 12 + runs * 12; at += 12)
      ctx.fillRect(v.getUint32(at + 4, true) * unit, v.getUint32(at, true) * unit, v.getUint32(at + 8, true) * unit, unit);
    return px;
  }

  function paymentQrSource(payment) {
    const show = payment?.show;
    const b = e.call((put, w) => {
      for (const k of ['kind', 'content', 'url', 'dataUrl']) if (typeof show?.[k] == 'string') w.qc_show_field(...put(k), ...put(show[k]));
      return w.qc_source();
    });
    const [kind, value] = texts(b, 0, 2);
    return { kind, value };
  }

  return {
    renderQrSvg: (text, options) => decode(render(0, text, options)),
    renderQrPng: (text, options) => decode(render(1, text, options)),
    qrMatrix(text, options) {
      const b = render(2, text, options);
      const v = new DataView(b.buffer);
      return { size: v.getUint32(0, true), quietZone: v.getUint32(4, true), modules: b.subarray(8) };
    },
    drawQr,
    paymentQrSource,
  };
}
