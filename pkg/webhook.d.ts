/** The header a fulfilment webhook's signature travels in: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER: 'Qrcheckout-Signature';

/** The event a paid order sends (to `onPaid` and the webhook); `eventId` is the same on every retry. */
export interface PaidEvent {
  eventId: string;
  type: 'order.paid';
  merchantOrderId: string;
  gateway: 'gatepay-io' | 'gatepay' | 'yimafu';
  gatewayOrderId: string | null;
  /** Exact decimal text. */
  amount: string;
  currency: string;
  paidAt: number;
}

/** The header value for `body`, signed at `timestamp` (Unix seconds, default now). */
export function signFulfilmentWebhook(body: string, secret: string, timestamp?: number): Promise<string>;

/**
 * Verifies a received webhook (the body exactly as received) and returns its event; throws an Error
 * with `code` `bad_signature` or `stale_timestamp`. `toleranceMs` defaults to 5 minutes.
 */
export function verifyFulfilmentWebhook(
  body: string,
  header: string | null | undefined,
  secret: string,
  options?: { toleranceMs?: number; now?: number },
): Promise<PaidEvent>;
