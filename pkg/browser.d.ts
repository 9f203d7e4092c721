/** Gateways: gatepay.io (legacy), GatePay v1, 易码付. */
export type Gateway = 'gatepay-io' | 'gatepay' | 'yimafu';

import type { Show, QrSource } from './qr.js';
export type { CheckoutError, Show, QrOptions, QrMatrix, QrSource, InitInput } from './qr.js';

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

import type { InitInput } from './qr.js';
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
export { paymentQrSource, renderQrSvg, renderQrPng, qrMatrix, drawQr } from './qr.js';

// ---- the checkout flow over a qrcheckout worker (also `qrcheckout/checkout`) ----
export type { Offer, Product, Choice, Quote, OrderState, OrderView, Started, Checkout } from './checkout.js';
export { createCheckout, countdown } from './checkout.js';
import type { Product, Choice, Quote } from './checkout.js';

/** The buyer fields a gateway's pay type cannot do without (e.g. 易码付 JSAPI → `['openid']`). */
export function requiredFields(gateway: Gateway, payType: string): string[];
/** Checks a choice against a catalog by the worker's rules (what `Checkout.validate` calls). */
export function validateChoice(catalog: Product[], choice: Choice): Quote;
