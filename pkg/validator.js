// The validator entry: `validateChoice` alone in its own wasm, what createCheckout loads on the
// buyer's first edit (checkout.js). Same rules, answers and errors as the full entry's.
import { decode, entry } from './wasm.js';

/** A value as JSON text, put in; a null pointer when JS cannot write it (Rust names the argument). */
export function putJson(put, value) {
  let text;
  try {
    text = JSON.stringify(value) ?? 'null';
  } catch {
    return [0, 0];
  }
  return put(text);
}

/** `validateChoice`, shared by the full entry and the validator entry. */
export const validateChoiceOn = (e) => (catalog, choice) =>
  JSON.parse(decode(e.call((put, w) => w.qc_validate_choice(...putJson(put, catalog), ...putJson(put, choice), Date.now()))));

const validator = entry(new URL('./validator/qrcheckout_bg.wasm', import.meta.url));
export const { initSync } = validator;
export default validator.init;
export const validateChoice = validateChoiceOn(validator);
