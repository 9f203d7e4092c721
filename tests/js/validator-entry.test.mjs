// The validator entry (`validateChoice` alone, what createCheckout loads on the buyer's
// first edit) against the full entry: the same Rust behind both, so every quote and
// every error must be identical, including for inputs that are not choices at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as full from '../../pkg/browser.js';
import * as validator from '../../pkg/validator.js';
import catalog from '../../worker/catalog.js';
import { outcome } from './flows.mjs';

const root = new URL('../../', import.meta.url);
full.initSync({ module: readFileSync(new URL('pkg/browser/qrcheckout_bg.wasm', root)) });
validator.initSync({ module: readFileSync(new URL('pkg/validator/qrcheckout_bg.wasm', root)) });

const tea = { gateway: 'yimafu', payType: '30', sku: 'longjing-250g' };
const CHOICES = [
  tea,
  { ...tea, quantity: 3 },
  { gateway: 'gatepay-io', payType: 'alipay', sku: 'member-month', quantity: 2 },
  { gateway: 'gatepay', payType: 'WEB', sku: 'nf2t', returnUrl: 'https://shop.example/done' },
  { gateway: 'yimafu', payType: '22', sku: 'longjing-250g', openid: 'o_buyer' },
  { gateway: 'yimafu', payType: '22', sku: 'longjing-250g' },
  { ...tea, openid: 'o_buyer' },
  { gateway: 'gatepay-io', payType: 'wechat', sku: 'longjing-250g', returnUrl: 'https://shop.example/' },
  { ...tea, quantity: 0 },
  { ...tea, quantity: 1000 },
  { ...tea, quantity: 1.5 },
  { ...tea, quantity: '2' },
  { ...tea, sku: 'no-such-sku' },
  { ...tea, payType: '99' },
  { ...tea, gateway: 'paypal' },
  { ...tea, price: '0.01', amount: '0.01' },
  { gateway: 'gatepay', payType: 'APP', sku: 'longjing-250g' },
  { sku: 'longjing-250g' },
  {},
  null,
  undefined,
  'longjing-250g',
  42,
  [tea],
];
const CATALOGS = [
  catalog,
  [],
  null,
  undefined,
  {},
  [{}],
  [{ ...catalog[0], price: '29.9O' }],
  [{ ...catalog[0], price: '-1' }],
  [{ ...catalog[0], price: 29.9 }],
];

test('validateChoice: the validator entry answers exactly as the full entry', () => {
  let quotes = 0;
  let errors = 0;
  for (const products of CATALOGS)
    for (const choice of CHOICES) {
      const a = outcome(() => full.validateChoice(products, choice));
      const b = outcome(() => validator.validateChoice(products, choice));
      assert.deepEqual(b, a, `${JSON.stringify(products)?.slice(0, 60)} / ${JSON.stringify(choice)}`);
      if (a.value) quotes += 1;
      else errors += 1;
    }
  // Both kinds were compared, not only refusals.
  assert.ok(quotes >= 6 && errors >= 50, `${quotes} quotes, ${errors} errors`);
});

test('a quote from the validator entry is priced from the catalog, whatever the page says', () => {
  const q = validator.validateChoice(catalog, { ...tea, quantity: 3, amount: '0.01' });
  assert.deepEqual(q, { sku: 'longjing-250g', gateway: 'yimafu', payType: '30', quantity: 3, amount: '89.70', currency: 'CNY' });
});

test('the validator entry exports validateChoice and its loaders, its wasm validate_choice alone', () => {
  // validator.js is internal (checkout.js loads it); its two helpers serve the full entry's glue.
  assert.deepEqual(Object.keys(validator).sort(), ['default', 'initSync', 'putJson', 'validateChoice', 'validateChoiceOn']);
  const calls = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(new URL('pkg/validator/qrcheckout_bg.wasm', root))))
    .map((e) => e.name)
    .filter((n) => !['memory', 'qc_alloc', 'qc_free', 'qc_out_ptr', 'qc_out_len', 'qc_done'].includes(n));
  assert.deepEqual(calls, ['qc_validate_choice']);
});
