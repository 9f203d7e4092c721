import type { Product } from './worker.js';

export interface OrderStore {
  get(merchantOrderId: string): Promise<unknown | null>;
  put(order: { merchantOrderId: string }): Promise<void>;
  /** True when `key` was already seen within `ttlMs`; marks it seen. */
  seen(key: string, ttlMs: number): Promise<boolean>;
}

export interface CheckoutHandlerConfig {
  catalog: Product[];
  store?: OrderStore;
  fetch?: typeof fetch;
  timeoutMs?: number;
  notifyWindowMs?: number;
  publicBaseUrl?: string;
  allowedOrigins?: string;
  expiryMs?: number;
  wasmModule?: WebAssembly.Module;
  /** Cap of the default in-memory store. */
  maxOrders?: number;
}

/** Bounded: past `maxOrders` (default 10000) the oldest orders are forgotten. */
export function memoryStore(options?: { maxOrders?: number; maxSeen?: number }): OrderStore;
/** Module-worker shape: `export default createCheckoutHandler({ catalog })`. */
export function createCheckoutHandler(config: CheckoutHandlerConfig): {
  fetch(request: Request, env: Record<string, string | undefined>, ctx?: unknown): Promise<Response>;
};
