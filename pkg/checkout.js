// The browser checkout flow over a qrcheckout worker: catalog, validation in
// wasm by the worker's own rules, starting a payment (with an Idempotency-Key
// that survives a retry), watching the order (live events, else polling) and
// the expiry countdown. The worker prices every order; the page only shows.
//
// What a page needs to show a payment is the small QR entry, loaded as soon as
// the flow is created (imported dynamically, so the catalog request does not wait
// for it). The validator (its own entry: `validateChoice` alone) is loaded on first
// use: it checks the choice before it leaves the page, and the worker checks it again
// by the same Rust rules either way, so a purchase never waits for it to download.

const FINAL = new Set(['paid', 'expired', 'failed']);
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** A worker's error answer as the same `CheckoutError` the wasm throws (plus `status`). */
function checkoutError(status, error = {}) {
  const e = new Error(error.message ?? `the checkout answered HTTP ${status}`);
  e.name = 'CheckoutError';
  return Object.assign(e, {
    status,
    code: error.code ?? 'http_error',
    field: error.field ?? null,
    messageZh: error.messageZh ?? null,
    gatewayCode: error.gatewayCode ?? null,
  });
}

/**
 * `endpoint`: the worker's URL. Options for tests and unusual pages: `fetch`,
 * `EventSource` (null: always poll), `wasm` (what `init` is given), `retries`
 * (network retries of a start, default 2), `pollMaxMs` (default 5000).
 */
export function createCheckout({
  endpoint,
  fetch: fetchImpl = globalThis.fetch.bind(globalThis),
  EventSource: Source = globalThis.EventSource,
  wasm,
  validatorWasm,
  retries = 2,
  pollMaxMs = 5000,
}) {
  const base = endpoint.replace(/\/$/, '');
  let validator;
  let validatorLoaded = null;
  let products;
  const load = (path, w) =>
    import(path).then(async (m) => {
      await m.default(w === undefined ? undefined : { module_or_path: w });
      return m;
    });
  const qr = load('./qr.js', wasm);
  qr.catch(() => {}); // reported by the call that needs it
  const wasmReady = () => qr;
  // A validator that failed to load (a dropped connection) is tried again on the next call.
  const loadValidator = () =>
    (validator ??= load('./validator.js', validatorWasm).then(
      (m) => (validatorLoaded = m),
      (e) => {
        validator = undefined;
        throw e;
      },
    ));

  async function request(path, init = {}) {
    const res = await fetchImpl(base + path, init);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw checkoutError(res.status, body.error);
    return body;
  }

  /** The products the worker offers (its own prices, only the gateways it has on). */
  async function catalog() {
    const [, body] = await Promise.all([wasmReady(), products ? null : request('/catalog')]);
    if (body) products = body.products;
    return products;
  }

  /**
   * What the buyer can pick next, for a page's form: the products, the gateways
   * the chosen product offers, the pay types of the chosen gateway, and the
   * buyer fields that pay type needs (e.g. `openid`). Empty before `catalog()`.
   */
  function options(choice = {}) {
    const product = products?.find((p) => p.sku === choice.sku) ?? products?.[0];
    const offer = product?.offers.find((o) => o.gateway === choice.gateway) ?? product?.offers[0];
    const payType = offer?.payTypes.includes(choice.payType) ? choice.payType : offer?.payTypes[0];
    return {
      products: products ?? [],
      gateways: product?.offers.map((o) => o.gateway) ?? [],
      payTypes: offer?.payTypes ?? [],
      fields: offer?.requiredFields?.[payType] ?? [],
    };
  }

  /** Checks `{ sku, quantity, gateway, payType, openid? }`; returns the quote or throws `CheckoutError` with `field`. */
  async function validate(choice) {
    const [list, { validateChoice }] = await Promise.all([catalog(), loadValidator()]);
    return validateChoice(list, choice);
  }

  /**
   * Validates (here once the validator is loaded; at the worker always), then
   * creates the order: `{ order, payment, qr, link }` — `qr` is `{ kind, value }`
   * (null for an app credential), `link` the payment as a URL to open when there is one.
   */
  async function start(choice, { signal } = {}) {
    const [list, { paymentQrSource }] = await Promise.all([catalog(), wasmReady()]);
    const quote = validatorLoaded ? validatorLoaded.validateChoice(list, choice) : choice;
    const key = crypto.randomUUID();
    const body = JSON.stringify({
      sku: quote.sku,
      quantity: quote.quantity,
      gateway: quote.gateway,
      payType: quote.payType,
      openid: choice.openid,
    });
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { order, payment } = await request('/checkout', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body,
          signal,
        });
        const { show } = payment;
        const qr = show.kind === 'app' ? null : paymentQrSource(payment);
        // Rust checks the links it reads; an app credential is the gateway's own, passed on as it came.
        const payUrl = show.credential?.payUrl;
        const web = typeof payUrl === 'string' && /^https?:\/\//i.test(payUrl) ? payUrl : null;
        return { order, payment, qr, link: show.link ?? show.url ?? web };
      } catch (e) {
        // Only a lost connection is retried — with the same key, so never a second order.
        if (e.name === 'CheckoutError' || e.name === 'AbortError' || attempt >= retries) throw e;
        await sleep(500 * 2 ** attempt, signal);
      }
    }
  }

  /**
   * Calls `onState(order)` with the order's state as it changes, until it is
   * paid, expired or failed. Live events when the worker offers them, else
   * polling with backoff (network failures are retried). Returns
   * `{ stop(), done }`: `done` resolves with the final order, or null when stopped.
   */
  function watch(orderId, onState = () => {}) {
    const stopped = new AbortController();
    const path = `/orders/${encodeURIComponent(orderId)}`;
    let last = null;
    let finish;
    const done = new Promise((resolve) => {
      finish = resolve;
    });
    const seen = (order) => {
      if (stopped.signal.aborted) return;
      if (order.state !== last) onState(order);
      last = order.state;
      if (FINAL.has(order.state)) {
        finish(order); // before stop(), which settles `done` with null
        stop();
      }
    };
    async function poll() {
      for (let delay = 1000; !stopped.signal.aborted; delay = Math.min(delay * 1.5, pollMaxMs)) {
        try {
          seen(await request(path, { signal: stopped.signal }));
        } catch (e) {
          if (e.status === 404) return stop(); // no such order: nothing will ever change
          // any other miss (network, 5xx) is tried again
        }
        if (!stopped.signal.aborted) await sleep(delay, stopped.signal);
      }
    }
    let source = null;
    if (Source) {
      source = new Source(base + path + '/events');
      source.addEventListener('state', (e) => seen(JSON.parse(e.data)));
      source.onerror = () => {
        source?.close();
        source = null;
        if (!stopped.signal.aborted) poll();
      };
    } else {
      poll();
    }
    function stop() {
      if (stopped.signal.aborted) return;
      stopped.abort();
      source?.close();
      finish(null);
    }
    return { stop, done };
  }

  return { catalog, options, validate, start, watch, ready: wasmReady };
}

/**
 * Calls `onTick({ secondsLeft, text })` now and every second until `expiresAt`
 * (Unix ms); `text` is `m:ss`. Returns a function that stops it.
 */
export function countdown(expiresAt, onTick) {
  let timer = null;
  const tick = () => {
    const secondsLeft = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    onTick({ secondsLeft, text: `${Math.floor(secondsLeft / 60)}:${String(secondsLeft % 60).padStart(2, '0')}` });
    if (secondsLeft === 0) clearInterval(timer);
  };
  tick();
  timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}
