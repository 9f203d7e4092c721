// The demo checkout page: catalog from the worker, validation in wasm before any
// network call, the QR from our wasm (or the gateway's own image), a countdown
// and live order events (polling when they cannot connect) until paid or expired.
import init, { validateOrder, paymentQrSource, renderQrSvg } from '/pkg/browser.js';

const WORKER = new URLSearchParams(location.search).get('worker') ?? `${location.protocol}//${location.hostname}:8787`;
const $ = (id) => document.getElementById(id);

const TEXT = {
  zh: {
    title: '扫码支付演示', product: '商品', loading: '加载中…', quantity: '数量', gateway: '支付网关', method: '支付方式',
    total: '合计', pay: '去支付', scan: '请扫码支付', expiresIn: '剩余时间', openApp: '在应用中打开', orderId: '订单号',
    paid: '支付成功', thanks: '谢谢惠顾！', expired: '二维码已过期', retry: '重新下单', qrAlt: '支付二维码', lang: 'English',
    workerDown: '无法连接结算服务', app: '请在手机应用中完成支付',
  },
  en: {
    title: 'QR checkout demo', product: 'Product', loading: 'Loading…', quantity: 'Quantity', gateway: 'Gateway', method: 'Pay with',
    total: 'Total', pay: 'Pay', scan: 'Scan to pay', expiresIn: 'Expires in', openApp: 'Open in app', orderId: 'Order',
    paid: 'Paid', thanks: 'Thank you!', expired: 'This QR code has expired', retry: 'Order again', qrAlt: 'Payment QR code', lang: '中文',
    workerDown: 'The checkout service cannot be reached', app: 'Finish the payment in the app on your phone',
  },
};
const GATEWAY_NAMES = { 'gatepay-io': 'gatepay.io', gatepay: 'GatePay', yimafu: '易码付 YiMaFu' };
const METHOD_NAMES = {
  zh: { wechat: '微信支付', alipay: '支付宝', onecode: '聚合码', WEB: '网页', APP: 'App', 20: '微信扫码', 30: '支付宝扫码', 21: '微信 App', 31: '支付宝 App', 22: '微信公众号 (JSAPI)' },
  en: { wechat: 'WeChat Pay', alipay: 'Alipay', onecode: 'One code', WEB: 'Web', APP: 'App', 20: 'WeChat scan', 30: 'Alipay scan', 21: 'WeChat app', 31: 'Alipay app', 22: 'WeChat JSAPI' },
};

let lang = localStorage.getItem('lang') ?? (navigator.language.startsWith('zh') ? 'zh' : 'en');
let products = [];
let poll = null;
let events = null;
let ticker = null;
// Polling (the fallback) backs off to this; tests wait on the same number.
const POLL_MAX_MS = 5000;

const t = (key) => TEXT[lang][key];
const state = (s) => { document.body.dataset.state = s; for (const id of ['order', 'payment', 'paid', 'expired']) $(id).hidden = id !== (s === 'form' ? 'order' : s); };

function applyLanguage() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  $('lang').textContent = t('lang');
  renderProducts();
}

/** Exact fen from decimal text; money never becomes a float here either. */
function fenOf(price) {
  const [yuan, cents = ''] = price.split('.');
  return BigInt(yuan) * 100n + BigInt(cents.padEnd(2, '0'));
}
const money = (fen, currency) => `${fen / 100n}.${String(fen % 100n).padStart(2, '0')} ${currency}`;

const selected = () => products.find((p) => p.sku === document.querySelector('input[name=sku]:checked')?.value) ?? products[0];

function renderProducts() {
  if (!products.length) return;
  const current = selected()?.sku;
  $('products').innerHTML = '';
  for (const p of products) {
    const label = document.createElement('label');
    label.className = 'product';
    label.innerHTML = `<input type="radio" name="sku"> <span></span> <span class="price"></span>`;
    const radio = label.querySelector('input');
    radio.value = p.sku;
    radio.checked = p.sku === (current ?? products[0].sku);
    label.children[1].textContent = p.name;
    label.children[2].textContent = money(fenOf(p.price), p.currency);
    radio.addEventListener('change', renderChoices);
    $('products').append(label);
  }
  renderChoices();
}

function renderChoices() {
  const p = selected();
  const g = $('gateway').value;
  $('gateway').innerHTML = '';
  for (const o of p.offers) $('gateway').add(new Option(GATEWAY_NAMES[o.gateway], o.gateway, false, o.gateway === g));
  renderMethods();
}

function renderMethods() {
  const offer = selected().offers.find((o) => o.gateway === $('gateway').value);
  const m = $('payType').value;
  $('payType').innerHTML = '';
  for (const pt of offer?.payTypes ?? []) $('payType').add(new Option(METHOD_NAMES[lang][pt] ?? pt, pt, false, pt === m));
  $('openid-row').hidden = !(offer?.gateway === 'yimafu' && $('payType').value === '22');
  renderTotal();
}

function renderTotal() {
  const p = selected();
  const q = $('quantity').value.trim();
  $('total').textContent = /^[1-9]\d{0,2}$/.test(q) ? money(fenOf(p.price) * BigInt(q), p.currency) : '–';
}

function clearErrors() {
  for (const el of document.querySelectorAll('.field-error, .form-error')) el.textContent = '';
  for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// Which form field an error's `field` (ours or the gateway's name) belongs to.
const FIELD = { productNum: 'quantity', quantity: 'quantity', amount: 'quantity', orderAmount: 'quantity', payType: 'payType', terminalType: 'payType', openid: 'openid', gateway: 'gateway' };

function showError(e) {
  const message = lang === 'zh' ? e.messageZh ?? e.message : e.message;
  const field = FIELD[e.field];
  if (field && !$(`${field}-error`).closest('[hidden]')) {
    $(`${field}-error`).textContent = message;
    $(field).setAttribute('aria-invalid', 'true');
    $(field).focus();
  } else {
    $('form-error').textContent = message + (e.gatewayCode ? ` (${e.gatewayCode})` : '');
  }
}

/**
 * The gateway's own rules, checked in wasm before anything is sent: a preview of
 * the order the worker will build (the worker re-prices it from its catalog).
 */
function validateLocally(p, gateway, payType, quantity, openid) {
  // Quantity first, by the rule every gateway shares (whole number ≥ 1; gatepay.io's 105).
  validateOrder('gatepay-io', { productId: 1, productNum: quantity, payType: 'alipay', outOrderId: 'PREVIEW', custom: '' });
  const fen = fenOf(p.price) * BigInt(quantity);
  if (gateway === 'gatepay-io') {
    const offer = p.offers.find((o) => o.gateway === gateway);
    validateOrder('gatepay-io', { productId: offer.productId, productNum: quantity, payType, outOrderId: 'PREVIEW', custom: '' });
  } else if (gateway === 'gatepay') {
    validateOrder('gatepay', { merchantTradeNo: 'PREVIEW', env: { terminalType: payType }, currency: p.currency, orderAmount: money(fen, '').trim(), goods: { goodsName: p.name } });
  } else {
    validateOrder('yimafu', { outTradeNo: 'PREVIEW', payType, description: p.name, amount: fen.toString(), clientIp: '127.0.0.1', notifyUrl: 'https://preview.invalid/notify', openid });
  }
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const p = selected();
  const gateway = $('gateway').value;
  const payType = $('payType').value;
  const quantity = $('quantity').value.trim();
  const openid = $('openid-row').hidden ? undefined : $('openid').value.trim();
  try {
    validateLocally(p, gateway, payType, quantity, openid);
  } catch (e) {
    return showError(e);
  }
  $('pay').disabled = true;
  // One key per Pay press: a retry after a network error cannot create a second order.
  const key = crypto.randomUUID();
  const send = () => fetch(`${WORKER}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ gateway, payType, sku: p.sku, quantity: Number(quantity), openid }),
  });
  try {
    const res = await send().catch(() => new Promise((r) => setTimeout(r, 1000)).then(send));
    const body = await res.json();
    if (!res.ok) return showError(body.error);
    showPayment(body.payment);
  } catch {
    $('form-error').textContent = t('workerDown');
  } finally {
    $('pay').disabled = false;
  }
}

function showPayment(payment) {
  state('payment');
  $('order-id').textContent = payment.merchantOrderId;
  $('pay-amount').textContent = `${payment.amount} ${payment.currency ?? ''}`;
  const qr = $('qr');
  qr.innerHTML = '';
  $('open-app').hidden = true;
  $('credential').hidden = true;
  const show = payment.show;
  if (show.kind === 'app') {
    $('payment-title').textContent = t('app');
    $('credential').textContent = JSON.stringify(show.credential, null, 2);
    $('credential').hidden = false;
    const link = show.credential?.payUrl;
    if (link) Object.assign($('open-app'), { href: link, hidden: false });
  } else {
    $('payment-title').textContent = t('scan');
    const src = paymentQrSource(payment);
    if (src.kind === 'image') {
      const img = new Image();
      img.src = src.value; // checked by paymentQrSource: a base64 PNG/JPEG/GIF data URL only
      img.alt = t('qrAlt');
      qr.append(img);
    } else {
      qr.innerHTML = renderQrSvg(src.value, { width: 288, title: t('qrAlt') });
    }
    if (show.kind === 'redirect' || show.link) Object.assign($('open-app'), { href: show.url ?? show.link, hidden: false });
  }
  startCountdown(payment.expiresAt);
  watch(payment.merchantOrderId, payment.expiresAt);
}

/** A final state ends the page; anything else keeps waiting. */
function settle(order) {
  if (order.state === 'paid') finish('paid');
  else if (order.state === 'expired' || order.state === 'failed') finish('expired');
}

/** The worker pushes the order's state as it changes; if the stream cannot connect, poll instead. */
function watch(id, expiresAt) {
  events?.close();
  events = new EventSource(`${WORKER}/orders/${encodeURIComponent(id)}/events`);
  events.addEventListener('state', (e) => settle(JSON.parse(e.data)));
  events.onerror = () => {
    if (!events) return;
    events.close();
    events = null;
    if (document.body.dataset.state === 'payment') startPolling(id, expiresAt);
  };
}

function startCountdown(expiresAt) {
  clearInterval(ticker);
  const tick = () => {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    $('countdown').textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    if (left === 0) clearInterval(ticker);
  };
  tick();
  ticker = setInterval(tick, 1000);
}

function startPolling(id, expiresAt) {
  clearTimeout(poll);
  let delay = 1000;
  const check = async () => {
    try {
      const res = await fetch(`${WORKER}/orders/${encodeURIComponent(id)}`);
      settle(await res.json());
      if (document.body.dataset.state !== 'payment') return;
    } catch { /* a missed poll is retried */ }
    if (Date.now() > expiresAt + 2000) return finish('expired');
    delay = Math.min(delay * 1.5, POLL_MAX_MS);
    poll = setTimeout(check, Math.min(delay, Math.max(250, expiresAt + 1000 - Date.now())));
  };
  poll = setTimeout(check, delay);
}

function finish(s) {
  clearTimeout(poll);
  events?.close();
  events = null;
  clearInterval(ticker);
  state(s);
  $(s).querySelector('h2').focus?.();
}

async function main() {
  applyLanguage();
  $('lang').addEventListener('click', () => { lang = lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('lang', lang); applyLanguage(); });
  $('gateway').addEventListener('change', renderMethods);
  $('payType').addEventListener('change', renderMethods);
  $('quantity').addEventListener('input', renderTotal);
  $('order').addEventListener('submit', submit);
  $('retry').addEventListener('click', () => { state('form'); clearErrors(); });
  state('form');
  await init();
  try {
    products = (await (await fetch(`${WORKER}/catalog`)).json()).products;
    renderProducts();
    document.body.dataset.ready = 'true';
  } catch {
    $('products').textContent = t('workerDown');
  }
}

main();
