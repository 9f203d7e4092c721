/** Gateways: gatepay.io (legacy), GatePay v1, 易码付. */
export type Gateway = 'gatepay-io' | 'gatepay' | 'yimafu';

/** Thrown by every function on bad input or a gateway refusal; never a trap. */
export interface CheckoutError extends Error {
  name: 'CheckoutError';
  /** Stable machine code, e.g. `invalid_pay_type`, `gateway_rejected`, `qr_too_long`. */
  code: string;
  /** The offending field (camelCase), when there is one. */
  field: string | null;
  /** The same message in Chinese. */
  messageZh: string;
  /** The gateway's own code ("101", "400002", "201") when it defines one. */
  gatewayCode: string | null;
}

/** gatepay.io `/api/pay/create`. `appkey` comes from the config. */
export interface GatepayIoOrder {
  productId: number | string;
  productNum: number | string;
  payType: 'wechat' | 'alipay' | 'onecode';
  outOrderId: string;
  custom: string;
}

/** GatePay v1 `/v1/pay/order` (PayOrderRequest). Amounts are decimal strings. */
export interface GatepayOrder {
  merchantTradeNo: string;
  env: { terminalType: 'WEB' | 'APP' | 'MINIAPP' | 'WAP' | 'OTHERS'; scene?: string };
  currency: string;
  orderAmount: string;
  goods: { goodsName: string; goodsDetail?: string };
  orderExpireTime?: number;
  returnUrl?: string;
  cancelUrl?: string;
  channelId?: string;
  fiatCurrency?: string;
  fiatAmount?: string;
  surchargeAmount?: string;
  payCurrency?: string;
  payAmount?: string;
  chain?: string;
  address?: string;
  sourceType?: string;
  payTypes?: string[];
}

/** 易码付 `/v1/transactions/order.html`. `amount` is integer fen; `appId` comes from the config. */
export interface YimafuOrder {
  outTradeNo: string;
  payType: 20 | 21 | 22 | 30 | 31 | 40 | 50 | string;
  description: string;
  amount: number | string;
  clientIp: string;
  notifyUrl: string;
  timeExpire?: number;
  attach?: string;
  openid?: string;
  split?: 0 | 1;
  payExtra?: string;
}

export type Order = GatepayIoOrder | GatepayOrder | YimafuOrder;

export interface GatewayConfig {
  baseUrl: string;
  /** gatepay.io */
  appkey?: string;
  /** GatePay v1 */
  clientId?: string;
  /** 易码付 */
  appId?: string;
}

export interface UnsignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The exact text the gateway's rule hashes, without the secret. */
  signingInput: string;
}

export type Show =
  | { kind: 'qr'; content: string }
  | { kind: 'qrImage'; dataUrl: string; link: string | null }
  | { kind: 'redirect'; url: string }
  | { kind: 'app'; channel: string; credential: Record<string, unknown> };

export interface Payment {
  gateway: Gateway;
  show: Show;
  merchantOrderId: string | null;
  gatewayOrderId: string | null;
  /** Exact decimal text ("12.50"), never a float. */
  amount: string | null;
  currency: string | null;
  /** Unix milliseconds. */
  expiresAt: number | null;
  payType: string | null;
}

export interface QrOptions {
  ecLevel?: 'L' | 'M' | 'Q' | 'H';
  quietZone?: number;
  moduleSize?: number;
  width?: number;
  dark?: string;
  light?: string;
  title?: string;
}

export interface QrMatrix {
  size: number;
  quietZone: number;
  modules: Uint8Array;
}

export type QrSource = { kind: 'text'; value: string } | { kind: 'image'; value: string };

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;
/** Loads the wasm (by default `browser/qrcheckout_bg.wasm` next to this file). Also the default export. */
declare function init(input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput): Promise<unknown>;
export default init;
export { init };
export function initSync(input: { module: BufferSource | WebAssembly.Module }): unknown;

export function validateOrder(gateway: 'gatepay-io', order: GatepayIoOrder): GatepayIoOrder;
export function validateOrder(gateway: 'gatepay', order: GatepayOrder): GatepayOrder;
export function validateOrder(gateway: 'yimafu', order: YimafuOrder): YimafuOrder;
export function validateOrder(gateway: Gateway, order: Order): Order;
export function buildOrder(gateway: Gateway, order: Order, config: GatewayConfig): UnsignedRequest;
export function parseResponse(gateway: Gateway, httpStatus: number, bodyText: string): Payment;
export function paymentQrSource(payment: Pick<Payment, 'show'>): QrSource;
export function renderQrSvg(text: string, options?: QrOptions): string;
export function renderQrPng(text: string, options?: QrOptions): string;
export function qrMatrix(text: string, options?: QrOptions): QrMatrix;
/** Returns the side length in pixels. */
export function drawQr(canvas: HTMLCanvasElement | OffscreenCanvas, text: string, options?: QrOptions): number;

// ---- the checkout flow over a qrcheckout worker ----

export interface Offer {
  gateway: Gateway;
  payTypes: string[];
  productId?: number;
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
  /** The payment as a URL to open (hosted page, app link), when there is one. */
  link: string | null;
}
export interface Checkout {
  /** The worker's products (cached after the first call). */
  catalog(): Promise<Product[]>;
  /** For a form: the products, the chosen product's gateways, that gateway's pay types, and the fields it needs. */
  options(choice?: Partial<Choice>): { products: Product[]; gateways: Gateway[]; payTypes: string[]; fields: string[] };
  /** Checks a choice in wasm by the worker's rules; throws `CheckoutError` with `field`. */
  validate(choice: Choice): Promise<Quote>;
  /** Validates, then creates the order (one Idempotency-Key, reused by network retries). */
  start(choice: Choice, options?: { signal?: AbortSignal }): Promise<Started>;
  /** Live events when offered, else polling with backoff; stops at paid / expired / failed or on `stop()`. */
  watch(orderId: string, onState?: (order: OrderView) => void): { stop(): void; done: Promise<OrderView | null> };
  /** Loads the wasm (done by the other calls when needed). */
  ready(): Promise<unknown>;
}
export function createCheckout(options: {
  endpoint: string;
  fetch?: typeof fetch;
  /** `null`: never use live events, always poll. */
  EventSource?: typeof EventSource | null;
  /** What `init` loads (default: the .wasm beside the glue). */
  wasm?: InitInput;
  /** Network retries of `start` (default 2). */
  retries?: number;
  /** The slowest polling interval (default 5000 ms). */
  pollMaxMs?: number;
}): Checkout;
/** Calls `onTick` now and every second until `expiresAt` (Unix ms); returns a function that stops it. */
export function countdown(expiresAt: number, onTick: (t: { secondsLeft: number; text: string }) => void): () => void;
/** The buyer fields a gateway's pay type cannot do without (e.g. 易码付 JSAPI → `['openid']`). */
export function requiredFields(gateway: Gateway, payType: string): string[];
/** Checks a choice against a catalog by the worker's rules (what `Checkout.validate` calls). */
export function validateChoice(catalog: Product[], choice: Choice): Quote;
