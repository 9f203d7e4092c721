// The demo page: markup and words in index.html, styles in style.css, the flow from the package.
import { createCheckout, countdown } from '/pkg/checkout.js';
const $ = (id) => document.getElementById(id);
const checkout = createCheckout({ endpoint: new URLSearchParams(location.search).get('worker') ?? `http://${location.hostname}:8787` });
let edited = false;
let lang = localStorage.getItem('lang') ?? (navigator.language.startsWith('zh') ? 'zh' : 'en');
const word = (key) => $('words').content.querySelector(`[value="${key}"]`)?.dataset[lang] ?? key;
const view = (s) => (document.body.dataset.state = s) && ['form', 'payment', 'paid', 'expired'].forEach((id) => ($(id).hidden = id !== s));
const fill = (sel, values, label = word) => sel.replaceChildren(...values.map((v) => new Option(label(v), v, false, v === sel.value)));
const value = (id) => $(id).value.trim();
const choice = () => ({ sku: value('sku'), quantity: value('quantity'), gateway: value('gateway'), payType: value('payType') });
const openid = () => ($('openid-row').hidden ? undefined : value('openid'));
function render() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-en]').forEach((el) => (el.textContent = el.dataset[lang]));
  const labels = new Map(checkout.options().products.map((p) => [p.sku, `${p.name} · ${p.price} ${p.currency}`]));
  fill($('sku'), [...labels.keys()], (sku) => labels.get(sku));
  fill($('gateway'), checkout.options(choice()).gateways);
  fill($('payType'), checkout.options(choice()).payTypes);
  $('openid-row').hidden = !checkout.options(choice()).fields.includes('openid');
  // Until the buyer edits the form the total is the listed price (quantity 1); from
  // the first edit on it is the validator's quote, which loads the validator then.
  const listed = checkout.options(choice()).products.find((p) => p.sku === value('sku'));
  const quote = edited
    ? checkout.validate({ ...choice(), openid: openid() })
    : Promise.resolve({ amount: listed?.price, currency: listed?.currency });
  quote
    .then(
      (q) => `${q.amount} ${q.currency}`,
      () => '–',
    )
    .then((text) => ($('total').textContent = text));
}
function fail(e) {
  const field = $(`${e.field}-error`)?.closest('[hidden]') === null ? e.field : null;
  const text = e.name !== 'CheckoutError' ? word('workerDown') : (lang === 'zh' && e.messageZh) || e.message;
  $(field ? `${field}-error` : 'form-error').textContent = text + (!field && e.gatewayCode ? ` (${e.gatewayCode})` : '');
  $(field)?.setAttribute('aria-invalid', 'true');
  $(field)?.focus();
}
async function showPayment({ order, payment, qr, link }) {
  const { renderQrSvg } = await import('/pkg/qr.js'); // loaded and ready by now (checkout.ready)
  view('payment');
  $('payment-title').textContent = word(qr ? 'scan' : 'app');
  [$('order-id').textContent, $('pay-amount').textContent] = [order.merchantOrderId, `${order.amount} ${order.currency}`];
  // A gateway image is a checked base64 PNG/JPEG/GIF data URL (paymentQrSource); text becomes our SVG.
  if (qr?.kind === 'image') $('qr').replaceChildren(Object.assign(new Image(), { src: qr.value, alt: word('qrAlt') }));
  else $('qr').innerHTML = qr ? renderQrSvg(qr.value, { width: 288, title: word('qrAlt') }) : '';
  Object.assign($('credential'), { hidden: !!qr, textContent: qr ? '' : JSON.stringify(payment.show.credential, null, 2) });
  Object.assign($('open-app'), { href: link ?? '', hidden: !link });
  const stopClock = countdown(order.expiresAt, ({ text }) => ($('countdown').textContent = text));
  const final = await checkout.watch(order.merchantOrderId).done;
  stopClock();
  view(final?.state === 'paid' ? 'paid' : 'expired');
  $(document.body.dataset.state).querySelector('h2').focus();
}
async function pay(event) {
  event.preventDefault();
  document.querySelectorAll('.field-error, .form-error').forEach((el) => (el.textContent = ''));
  document.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  $('pay').disabled = true;
  const started = await checkout.start({ ...choice(), openid: openid() }).catch(fail);
  $('pay').disabled = false;
  if (started) showPayment(started);
}
$('lang').addEventListener('click', () => localStorage.setItem('lang', (lang = lang === 'zh' ? 'en' : 'zh')) ?? render());
$('form').addEventListener('input', (e) => (edited = true) && e.target.id !== 'openid' && render());
$('form').addEventListener('submit', pay);
$('retry').addEventListener('click', () => view('form'));
view('form');
checkout.catalog().then(() => render() ?? (document.body.dataset.ready = 'true'), fail);
