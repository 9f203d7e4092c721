export {
  Gateway, CheckoutError, GatepayIoOrder, GatepayOrder, YimafuOrder, Order, GatewayConfig, UnsignedRequest,
  Show, Payment, QrOptions, QrMatrix, QrSource,
  validateOrder, buildOrder, parseResponse, paymentQrSource, renderQrSvg, renderQrPng, qrMatrix, drawQr,
} from './browser.js';
import type { Gateway, UnsignedRequest } from './browser.js';

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
export function signRequest(gateway: Gateway, unsigned: UnsignedRequest, secrets: Secrets, opts?: { timestamp?: number; nonce?: string }): SignedRequest;
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
