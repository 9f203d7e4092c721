// The checkout flow over a qrcheckout worker: what `qrcheckout/checkout` exports
// (and `qrcheckout` re-exports).
import type { Gateway, Payment } from './browser.js';
import type { InitInput, QrSource } from './qr.js';

export interface Offer {
  gateway: Gateway;
  payTypes: string[];
  productId?: number;
  /** Per pay type, the buyer fields it needs (only those that need some), e.g. `{ "22": ["openid"] }`. */
  requiredFields?: Record<string, string[]>;
}
/** A product as the worker's `/catalog` shows it; `price` is exact decimal text. */
export interface Product {
  sku: string;
  name: string;
  price: string;
  currency: string;
  offers: Offer[];
}
/** What the buyer chose. */
export interface Choice {
  sku: string;
  quantity?: number | string;
  gateway: Gateway;
  payType: string;
  openid?: string;
}
/** A valid choice, priced from the catalog by the worker's rules; `amount` is exact decimal text. */
export interface Quote {
  sku: string;
  gateway: Gateway;
  payType: string;
  quantity: number;
  amount: string;
  currency: string;
}
export type OrderState = 'creating' | 'pending' | 'paid' | 'expired' | 'failed';
/** The order as the worker reports it (`GET /orders/{id}` and its live events). */
export interface OrderView {
  merchantOrderId: string;
  gateway: Gateway;
  state: OrderState;
  amount: string;
  currency: string;
  expiresAt: number;
  paidAt: number | null;
  payment: Payment | null;
}
export interface Started {
  order: { merchantOrderId: string; state: OrderState; amount: string; currency: string; expiresAt: number };
  payment: Payment;
  /** What to put in the QR slot; null when the payment is an app credential. */
  qr: QrSource | null;
  /** The payment as an http(s) URL to open (hosted page, app link), when there is one. */
  link: string | null;
}
export interface Checkout {
  /** The worker's products (cached after the first call). */
  catalog(): Promise<Product[]>;
  /** For a form: the products, the chosen product's gateways, that gateway's pay types, and the fields it needs. */
  options(choice?: Partial<Choice>): { products: Product[]; gateways: Gateway[]; payTypes: string[]; fields: string[] };
  /** Checks a choice in wasm by the worker's rules (loads the validator on first use); throws `CheckoutError` with `field`. */
  validate(choice: Choice): Promise<Quote>;
  /** Validates, then creates the order (one Idempotency-Key, reused by network retries). */
  start(choice: Choice, options?: { signal?: AbortSignal }): Promise<Started>;
  /** Live events when offered, else polling with backoff; stops at paid / expired / failed or on `stop()`. */
  watch(orderId: string, onState?: (order: OrderView) => void): { stop(): void; done: Promise<OrderView | null> };
  /** Loads the QR wasm, all a page needs to show a payment (done by the other calls when needed). */
  ready(): Promise<unknown>;
}
export function createCheckout(options: {
  endpoint: string;
  fetch?: typeof fetch;
  /** `null`: never use live events, always poll. */
  EventSource?: typeof EventSource | null;
  /** The QR entry's wasm (default: `qr/qrcheckout_bg.wasm` beside the glue). */
  wasm?: InitInput;
  /** The validator entry's wasm (default: `validator/qrcheckout_bg.wasm`; `validateChoice` alone). */
  validatorWasm?: InitInput;
  /** Network retries of `start` (default 2). */
  retries?: number;
  /** The slowest polling interval (default 5000 ms). */
  pollMaxMs?: number;
}): Checkout;
/** Calls `onTick` now and every second until `expiresAt` (Unix ms); returns a function that stops it. */
export function countdown(expiresAt: number, onTick: (t: { secondsLeft: number; text: string }) => void): () => void;
