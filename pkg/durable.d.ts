import type { DurableObject } from 'cloudflare:workers';

/**
 * One order per object (`idFromName(merchantOrderId)`), SQLite-backed
 * (`new_sqlite_classes`). Holds the order record, applies verified
 * notifications, expires the order by alarm, streams its state (`/events`).
 */
export declare class CheckoutOrder extends DurableObject {}

/** One client IP's order-creation token bucket (`idFromName(ip)`); bind it as `LIMITER`. */
export declare class CheckoutLimiter extends DurableObject {}

/** One shard of the order ledger (`GET /orders`); bind it as `LEDGER`. */
export declare class CheckoutLedger extends DurableObject {}
