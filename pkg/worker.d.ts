export {
  Gateway,
  CheckoutError,
  GatepayIoOrder,
  GatepayOrder,
  YimafuOrder,
  Order,
  GatewayConfig,
  UnsignedRequest,
  Show,
  Payment,
  QrOptions,
  QrMatrix,
  QrSource,
  Offer,
  Product,
  validateOrder,
  buildOrder,
  parseResponse,
  paymentQrSource,
  renderQrSvg,
  renderQrPng,
  qrMatrix,
  drawQr,
} from './browser.js';
import type { Gateway, UnsignedRequest, Product } from './browser.js';

/** A string, or `{ appsecret }` (gatepay.io), `{ secretKey }` (GatePay), `{ key }` (易码付). */
export type Secrets = string | { appsecret?: string; secretKey?: string; key?: string };

export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  signature: string;
}

export interface Notification {
  gateway: Gateway;
  merchantOrderId: string;
  gatewayOrderId: string | null;
  amount: string | null;
  paidAmount: string | null;
  currency: string | null;
  paid: boolean;
  status: string;
  /** The gateway's event id (bizId, order_id, trade_no), for idempotency. */
  notifyId: string;
  raw: Record<string, unknown>;
}

export interface NotifyReply {
  status: number;
  contentType: string;
  body: string;
}

/** Instantiate once with the imported `WebAssembly.Module` (workerd) or the bytes (Node). */
export function init(module: WebAssembly.Module | BufferSource): void;
/** `opts` (GatePay only): `{ timestamp: unix ms, nonce: 1–32 letters/digits }`. */
export function signRequest(
  gateway: Gateway,
  unsigned: UnsignedRequest,
  secrets: Secrets,
  opts?: { timestamp?: number; nonce?: string },
): SignedRequest;
/** Throws `bad_signature`, `stale_timestamp` or `malformed_notification`. */
export function verifyNotify(
  gateway: Gateway,
  incoming: { headers?: Record<string, string>; body?: string; query?: string },
  secrets: Secrets,
  opts?: { now: number; windowMs?: number },
): Notification;
export function notifyReply(gateway: Gateway, yimafuBody?: string): NotifyReply;
/** Lowercase hex; notification rule when `order_id` is present. */
export function signGatepayIo(params: Record<string, string | number>, appsecret: string): string;
/** Lowercase hex HMAC-SHA512 of `timestamp\nnonce\nbody\n`. */
export function signGatepay(timestamp: string | number, nonce: string, body: string, secretKey: string): string;
/** Uppercase hex MD5 over sorted non-empty params + `&key=`. */
export function signYimafu(params: Record<string, string | number>, key: string): string;

// ---- the merchant's side (used by `qrcheckout/worker/handler`) ----

/** The shop's public settings (never secrets), as `merchantFromEnv` reads them. */
export interface Merchant {
  gateways: Partial<Record<Gateway, { baseUrl: string; id: string }>>;
  publicBaseUrl: string;
  expiryMs?: number | null;
  returnOrigins?: string[];
  clientIpFallback?: string | null;
}
/** What the glue needs to know about one gateway, from Rust. */
export interface GatewayFacts {
  gateway: Gateway;
  baseUrlBinding: string;
  idBinding: string;
  secretBinding: string;
  secretField: string;
  defaultBaseUrl: string | null;
  buyerFields: string[];
  maxExpiryMs: number;
  retryOnNetworkError: boolean;
  notifySignatureHeaders: string[];
}
/** Every gateway's facts and the default notification window. */
export function gatewayFacts(): { gateways: GatewayFacts[]; notifyWindowMs: number };
/** Reads the public settings from the worker's text bindings: a gateway is on when its id and secret are set. */
export function merchantFromEnv(env: Record<string, string>): Merchant;
export interface CheckoutRequest {
  gateway: Gateway;
  payType: string;
  sku: string;
  quantity?: number;
  clientIp?: string;
  openid?: string;
  returnUrl?: string;
  cancelUrl?: string;
}
export interface Plan {
  merchantOrderId: string;
  gateway: Gateway;
  sku: string;
  quantity: number;
  amount: string;
  currency: string;
  createdAt: number;
  expiresAt: number;
  unsigned: UnsignedRequest;
}
/** `creating` is the write-ahead state: stored before the gateway is called. */
export type OrderState = 'creating' | 'pending' | 'paid' | 'expired' | 'failed';
export interface OrderRecord {
  merchantOrderId: string;
  gateway: Gateway;
  amount: string;
  currency: string;
  state: OrderState;
  createdAt: number;
  expiresAt: number;
  payment: import('./browser.js').Payment | null;
  paidAt: number | null;
  notifyIds: string[];
}
/** The catalog with only the gateways this shop has configured. */
export function publicCatalog(catalog: Product[], merchant: Merchant): Product[];
/** A fresh merchant order id (`QC…`), or with the SHA-256 hex of an Idempotency-Key that key's own id (`QK…`). */
export function orderId(now: number, entropy: string, keyDigest?: string): string;
/** Prices from the catalog (never from the request) and builds the unsigned request for `merchantOrderId`. */
export function planCheckout(catalog: Product[], merchant: Merchant, request: CheckoutRequest, now: number, merchantOrderId: string): Plan;
/** The write-ahead record (state `creating`). */
export function creatingOrder(plan: Plan): OrderRecord;
/** The gateway's create-order reply for a plan → the payment to show (order id, amount, expiry filled in). */
export function paymentFor(plan: Plan, httpStatus: number, bodyText: string): import('./browser.js').Payment;
/** `creating` → `pending` with its payment; a paid order stays paid. */
export function openOrder(order: OrderRecord, payment: import('./browser.js').Payment): OrderRecord;
/** `creating` → `failed`; any other state is kept. */
export function failOrder(order: OrderRecord): OrderRecord;
/** At the expiry: the expired record, or `null` when the order is not open or not yet due. */
export function expireOrder(order: OrderRecord, now: number): OrderRecord | null;
/** Applies a verified notification; throws `amount_mismatch` or `malformed_notification` when it does not fit. */
export function applyNotification(order: OrderRecord, notification: Notification, now: number): { order: OrderRecord; changed: boolean };
export function orderState(order: OrderRecord, now: number): OrderState;
/**
 * The worker's shop, read once per isolate: catalog, the public settings and the secrets from the text
 * bindings. The hot path the handler takes: one call per step, JSON text in and out.
 */
export class Shop {
  constructor(catalog: Product[], env: Record<string, string>);
  /** The catalog with only the gateways this shop has configured. */
  publicCatalog(): Product[];
  /**
   * `choiceJson`: `JSON.stringify(CheckoutRequest)` → JSON text of `{ order, request }`: the write-ahead
   * record (a fresh `QC…` id from `entropy`, or the key's `QK…` id from `keyDigest`) and the signed request.
   */
  checkout(
    choiceJson: string,
    clientIp: string | undefined,
    now: number,
    entropy: string,
    keyDigest: string | undefined,
    nonce: string,
  ): string;
  /**
   * `headersJson`: `JSON.stringify(headers)`; `body` and `query` (without `?`) as they arrived → JSON text of the
   * `Notification` (`raw`: null), or throws like `verifyNotify`.
   */
  verifyNotify(gateway: Gateway, headersJson: string, body: string, query: string, now: number, windowMs: number): string;
  free(): void;
}
/**
 * A `creating` record + the gateway's reply → the record opened with its payment (a paid order stays paid),
 * or the reply's typed error.
 */
export function settleOrder(order: OrderRecord, httpStatus: number, bodyText: string): OrderRecord;
/**
 * `settleOrder` over JSON text: the record → `{ state, expiresAt, payment }`, the fields to merge into the
 * record (a few hundred bytes back instead of the record); throws the reply's typed error like `settleOrder`.
 */
export function settleReply(orderJson: string, httpStatus: number, bodyText: string): string;
/**
 * `applyNotification` over JSON text: the record, and the notification as `Shop.verifyNotify` returns it →
 * `{ changed, state, paidAt, gatewayOrderId, notifyIds }`, the fields to merge into the record.
 */
export function applyVerified(orderJson: string, notificationJson: string, now: number): string;
