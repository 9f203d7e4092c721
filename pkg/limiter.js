// Order-creation rate limits: a token bucket per client IP (IPv6 per /64, the
// block one subscriber usually holds). In production each bucket is its own
// Durable Object (`CheckoutLimiter`, one per IP: never one object for the whole
// shop, which would serialise every checkout); without the binding, buckets live
// in the isolate's memory (unit tests only).

/** `RATE_LIMIT_PER_MINUTE` (default 10, `0` turns limiting off) and `RATE_LIMIT_BURST` (default 5). */
export function limitSettings(env = {}) {
  const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
  return { perMinute: num(env.RATE_LIMIT_PER_MINUTE, 10), burst: num(env.RATE_LIMIT_BURST, 5) };
}

/** The bucket a client IP draws from: the address itself, or its /64 for IPv6. */
export function bucketKey(ip) {
  if (!ip.includes(':')) return ip;
  // IPv4 written as IPv6 (`::ffff:198.51.100.7`) is that IPv4 client, not the all-zero /64 every such address shares.
  const v4 = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (v4) return v4[1];
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A token bucket: `take(now, settings)` → `{ ok: true }` or `{ ok: false, retryAfterMs }`. */
export class TokenBucket {
  constructor() {
    this.tokens = null;
    this.at = 0;
  }

  take(now, { perMinute, burst }) {
    const perMs = perMinute / 60000;
    this.tokens = this.tokens === null ? burst : Math.min(burst, this.tokens + (now - this.at) * perMs);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - this.tokens) / perMs) };
  }
}

/** Buckets in this isolate's memory, bounded (the oldest are forgotten). */
export function memoryBuckets(max = 10000) {
  const buckets = new Map();
  return {
    get(key) {
      let b = buckets.get(key);
      if (!b) {
        b = new TokenBucket();
        buckets.set(key, b);
        while (buckets.size > max) buckets.delete(buckets.keys().next().value);
      }
      return { take: async (now, settings) => b.take(now, settings) };
    },
  };
}
