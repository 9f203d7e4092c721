// The plain-JS page a shop would write instead of ours, for the time-to-QR
// benchmark: same markup and flow against the same worker, node-qrcode bundled
// by esbuild, validation by hand, polling for the state.
import QRCode from 'qrcode';

const $ = (id) => document.getElementById(id);
const endpoint = new URLSearchParams(location.search).get('worker');
let products = [];
const view = (s) => (document.body.dataset.state = s) && ['form', 'payment', 'paid', 'expired'].forEach((id) => ($(id).hidden = id !== s));
const fill = (sel, values, label = (v) => v) => sel.replaceChildren(...values.map((v) => new Option(label(v), v, false, v === sel.value)));

function render() {
  fill(
    $('sku'),
    products.map((p) => p.sku),
    (sku) => {
      const p = products.find((x) => x.sku === sku);
      return `${p.name} · ${p.price} ${p.currency}`;
    },
  );
  const offers = products.find((p) => p.sku === $('sku').value)?.offers ?? [];
  fill(
    $('gateway'),
    offers.map((o) => o.gateway),
  );
  fill($('payType'), offers.find((o) => o.gateway === $('gateway').value)?.payTypes ?? []);
}

async function pay(e) {
  e.preventDefault();
  const quantity = $('quantity').value.trim();
  if (!/^[1-9]\d{0,2}$/.test(quantity)) return void ($('quantity-error').textContent = 'quantity must be 1 to 999');
  const body = { sku: $('sku').value, quantity: Number(quantity), gateway: $('gateway').value, payType: $('payType').value };
  const res = await fetch(`${endpoint}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const { payment, error } = await res.json();
  if (!res.ok) return void ($('form-error').textContent = error.message);
  view('payment');
  const text = payment.show.content ?? payment.show.link;
  $('qr').innerHTML = await QRCode.toString(text, { type: 'svg', margin: 4, width: 288 });
  $('pay-amount').textContent = `${payment.amount} ${payment.currency}`;
  const poll = async () => {
    const order = await (await fetch(`${endpoint}/orders/${payment.merchantOrderId}`)).json();
    if (order.state === 'paid') view('paid');
    else setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}

$('form').addEventListener('input', render);
$('form').addEventListener('submit', pay);
view('form');
fetch(`${endpoint}/catalog`)
  .then((r) => r.json())
  .then((c) => {
    products = c.products;
    render();
    document.body.dataset.ready = 'true';
  });
