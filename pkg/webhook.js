// The fulfilment webhook's signature, for the worker that sends it and for any
// JS receiver (Node ≥ 18, workers, browsers: WebCrypto only).
//
// Format: the body is JSON; the header `Qrcheckout-Signature: t=<unix seconds>,v1=<hex>`
// carries the signing time and HMAC-SHA256(secret, `${t}.${body}`) in lowercase hex,
// the secret taken as UTF-8 bytes. A receiver recomputes the HMAC over the exact
// bytes it received, compares in constant time, and refuses a `t` too far from now.

export const SIGNATURE_HEADER = 'Qrcheckout-Signature';
const encoder = new TextEncoder();
const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

function key(secret, usage) {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/** The header value for `body` (a string) signed now (or at `timestamp`, Unix seconds). */
export async function signFulfilmentWebhook(body, secret, timestamp = Math.floor(Date.now() / 1000)) {
  const mac = await crypto.subtle.sign('HMAC', await key(secret, 'sign'), encoder.encode(`${timestamp}.${body}`));
  return `t=${timestamp},v1=${hex(mac)}`;
}

/**
 * Checks a received webhook: `body` exactly as received (a string), `header` the
 * `Qrcheckout-Signature` value. Returns the parsed event, or throws an Error whose
 * `code` is `bad_signature` or `stale_timestamp`. `toleranceMs` (default 5 min)
 * bounds how old (or early) `t` may be.
 */
export async function verifyFulfilmentWebhook(body, header, secret, { toleranceMs = 5 * 60 * 1000, now = Date.now() } = {}) {
  const fail = (code, message) => Object.assign(new Error(message), { name: 'CheckoutError', code });
  const parts = Object.fromEntries(
    String(header ?? '')
      .split(',')
      .map((p) => p.trim().split('=')),
  );
  const t = Number(parts.t);
  const given = String(parts.v1 ?? '');
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(given)) throw fail('bad_signature', 'no valid signature header');
  const mac = new Uint8Array(given.match(/../g).map((h) => parseInt(h, 16)));
  // WebCrypto's verify compares in constant time.
  const ok = await crypto.subtle.verify('HMAC', await key(secret, 'verify'), mac, encoder.encode(`${t}.${body}`));
  if (!ok) throw fail('bad_signature', 'the signature does not match the body');
  if (Math.abs(now - t * 1000) > toleranceMs) throw fail('stale_timestamp', `signed at ${t}, outside the accepted window`);
  return JSON.parse(body);
}
