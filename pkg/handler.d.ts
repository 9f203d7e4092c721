import type { Product } from './worker.js';

export interface CheckoutHandlerConfig {
  catalog: Product[];
  /** The env binding of the `CheckoutOrder` Durable Object namespace (default `ORDERS`). */
  ordersBinding?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  notifyWindowMs?: number;
  publicBaseUrl?: string;
  allowedOrigins?: string;
  expiryMs?: number;
  wasmModule?: WebAssembly.Module;
  /** Cap of the in-memory fallback used when no Durable Object is bound (unit tests only). */
  maxOrders?: number;
  /** The env binding of the `CheckoutLimiter` namespace (default `LIMITER`). */
  limiterBinding?: string;
  /**
   * Run by the order's own Durable Object for every order that becomes paid, at least once and
   * retried with backoff until it resolves; a late duplicate notification never runs it again.
   */
  onPaid?: (event: import('./webhook.js').PaidEvent, env: Record<string, unknown>) => Promise<void> | void;
}

/**
 * Module-worker shape: `export default createCheckoutHandler({ catalog })`, with
 * `export { CheckoutOrder } from 'qrcheckout/worker/durable'` beside it and the
 * namespace bound as `ORDERS`.
 */
export function createCheckoutHandler(config: CheckoutHandlerConfig): {
  fetch(request: Request, env: Record<string, unknown>, ctx?: unknown): Promise<Response>;
};
