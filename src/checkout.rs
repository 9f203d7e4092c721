//! The merchant's side of a checkout, run at the edge: price the buyer's choice
//! from the worker's own catalog (never from the browser), mint the merchant
//! order id, build the gateway order, and move an order through its states when
//! a verified notification arrives.

use crate::catalog::{price, Choice};
pub use crate::catalog::{Offer, Product};
use crate::error::{CheckoutError, Code, Result};
use crate::gateway::{module, Settings};
use crate::money::Amount;
use crate::payment::{Gateway, Notification, Payment};
use crate::request::{origin_of, UnsignedRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// How long a QR stays payable unless the gateway says otherwise.
pub const DEFAULT_EXPIRY_MS: u64 = 15 * 60 * 1000;

/// The shop's public settings (ids and URLs, never secrets), read from the
/// worker's env by [`Merchant::from_env`]. A gateway without settings is off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Merchant {
    #[serde(default)]
    pub gateways: BTreeMap<Gateway, GatewaySettings>,
    /// Where gateways send notifications: `{publicBaseUrl}/notify/{gateway}`.
    pub public_base_url: String,
    #[serde(default)]
    pub expiry_ms: Option<u64>,
    /// Origins a buyer-supplied return or cancel URL may point to.
    #[serde(default)]
    pub return_origins: Vec<String>,
    /// The payer IP to send when the platform reports none (see README: 易码付 requires one).
    #[serde(default)]
    pub client_ip_fallback: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySettings {
    pub base_url: String,
    /// appkey / clientId / appId.
    pub id: String,
}

impl Merchant {
    /// Reads the worker's text bindings. A gateway is on when its id and secret
    /// are set and its base URL is known (set, or the gateway's public default);
    /// the secret itself is not kept. `RETURN_ORIGINS` defaults to `ALLOWED_ORIGINS`.
    pub fn from_env(env: &BTreeMap<String, String>) -> Merchant {
        let get = |k: &str| env.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let gateways = Gateway::ALL
            .iter()
            .filter_map(|g| {
                let f = module(*g).facts();
                get(f.secret_binding)?;
                let base_url = get(f.base_url_binding).or(f.default_base_url)?;
                Some((
                    *g,
                    GatewaySettings {
                        base_url: base_url.to_owned(),
                        id: get(f.id_binding)?.to_owned(),
                    },
                ))
            })
            .collect();
        let list = |k: &str| {
            get(k).map(|v| {
                v.split(',')
                    .filter_map(|o| origin_of(o.trim()))
                    .collect::<Vec<_>>()
            })
        };
        Merchant {
            gateways,
            public_base_url: get("PUBLIC_BASE_URL").unwrap_or_default().to_owned(),
            expiry_ms: get("ORDER_EXPIRY_MS").and_then(|v| v.parse().ok()),
            return_origins: list("RETURN_ORIGINS")
                .or_else(|| list("ALLOWED_ORIGINS"))
                .unwrap_or_default(),
            client_ip_fallback: get("CLIENT_IP_FALLBACK").map(str::to_owned),
        }
    }

    fn settings(&self, g: Gateway) -> Result<&GatewaySettings> {
        self.gateways.get(&g).ok_or_else(|| {
            CheckoutError::new(
                Code::GatewayNotConfigured,
                format!("{g} is not configured on this shop"),
                format!("本店未开通 {g} 支付"),
            )
            .field("gateway")
        })
    }

    pub fn enabled(&self, g: Gateway) -> bool {
        self.gateways.contains_key(&g)
    }

    /// A URL the buyer will be sent to must lead back to one of the shop's origins.
    fn check_return_url(&self, field: &str, url: &str) -> Result<()> {
        match origin_of(url) {
            Some(o) if self.return_origins.contains(&o) => Ok(()),
            _ => Err(CheckoutError::new(
                Code::ReturnUrlNotAllowed,
                format!("{field} must lead to one of the shop's own origins"),
                format!("{field} 必须指向本店自己的站点"),
            )
            .field(field)),
        }
    }
}

/// The catalog as the page may see it: only gateways this shop has enabled,
/// prices written the one exact way (`"29.9"` → `"29.90"`).
pub fn public_catalog(products: &[Product], merchant: &Merchant) -> Vec<Product> {
    products
        .iter()
        .map(|p| Product {
            price: Amount::parse_positive(&p.price)
                .map_or_else(|_| p.price.clone(), |a| a.to_string()),
            offers: p
                .offers
                .iter()
                .filter(|o| merchant.enabled(o.gateway))
                .map(|o| Offer {
                    required_fields: {
                        let mut by_pay_type = Vec::new();
                        for t in &o.pay_types {
                            let fields = module(o.gateway).required_fields(t);
                            if !fields.is_empty() {
                                let fields = fields.iter().map(|f| (*f).to_owned()).collect();
                                crate::json::put_sorted(&mut by_pay_type, t.clone(), fields);
                            }
                        }
                        by_pay_type
                    },
                    ..o.clone()
                })
                .collect(),
            ..p.clone()
        })
        .collect()
}

/// Everything the worker needs to sign, send and remember one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub merchant_order_id: String,
    pub gateway: Gateway,
    pub sku: String,
    pub quantity: u64,
    pub amount: Amount,
    pub currency: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub unsigned: UnsignedRequest,
}

/// `QC` + creation time in base 36 + 10 characters of caller-supplied entropy:
/// letters and digits only, 20 characters — valid for all three gateways.
pub fn merchant_order_id(now_ms: u64, entropy: &str) -> Result<String> {
    // Bytes, not chars: no byte of a multi-byte character is an ASCII letter or digit.
    let tail: Vec<u8> = entropy
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .take(10)
        .collect();
    if tail.len() < 10 {
        return Err(CheckoutError::invalid(
            "entropy",
            "needs 10 letters or digits",
            "需要 10 位字母或数字",
        ));
    }
    // Base 36, most significant first, at least 8 digits; a u64 needs at most 13.
    let mut time = [b'0'; 13];
    let mut start = time.len();
    let mut t = now_ms;
    loop {
        start -= 1;
        time[start] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(t % 36) as usize];
        t /= 36;
        if t == 0 {
            break;
        }
    }
    let mut id = String::with_capacity(25);
    id.push_str("QC");
    for &b in &time[start.min(time.len() - 8)..] {
        id.push(char::from(b));
    }
    for &b in &tail {
        id.push(char::from(b.to_ascii_uppercase()));
    }
    Ok(id)
}

/// The order id for a checkout sent with an `Idempotency-Key`: `QK` + 18
/// base-32 characters of the key's SHA-256 (hex), so every repeat of the key
/// reaches the same order — and the same gateway order — wherever it lands.
pub fn keyed_order_id(key_digest_hex: &str) -> Result<String> {
    let bits = crate::request::unhex(key_digest_hex)
        .filter(|b| b.len() >= 12)
        .ok_or_else(|| {
            CheckoutError::invalid(
                "idempotencyKey",
                "digest must be at least 12 bytes of hex",
                "摘要必须是至少 12 字节的十六进制",
            )
        })?;
    // 90 bits, 5 at a time, most significant first.
    let mut acc: u128 = 0;
    for b in &bits[..12] {
        acc = (acc << 8) | u128::from(*b);
    }
    acc >>= 6;
    let id: String = (0..18)
        .rev()
        .map(|i| b"0123456789ABCDEFGHIJKLMNOPQRSTUV"[((acc >> (5 * i)) & 31) as usize] as char)
        .collect();
    Ok(format!("QK{id}"))
}

/// Letters and digits, 5 to 32: what gatepay.io, GatePay and 易码付 all accept.
fn check_order_id(id: &str) -> Result<()> {
    if (5..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(CheckoutError::invalid(
            "merchantOrderId",
            "must be 5 to 32 letters or digits",
            "必须是 5 到 32 位字母或数字",
        ))
    }
}

/// Prices `{ gateway, payType, sku, quantity, clientIp?, openid?, returnUrl?, cancelUrl? }`
/// from the catalog and has the gateway's module write its order under
/// `merchant_order_id` (from [`merchant_order_id`] or [`keyed_order_id`]).
/// Anything the buyer sends about price is ignored: only sku and quantity are read.
pub fn plan(
    products: &[Product],
    merchant: &Merchant,
    request: &crate::json::Value,
    now_ms: u64,
    merchant_order_id: &str,
) -> Result<Plan> {
    check_order_id(merchant_order_id)?;
    let choice = Choice::read(request)?;
    let gateway = choice.gateway;
    let m = module(gateway);
    choice.check_fields_for(m.facts())?;
    let priced = price(products, &choice)?;
    for (field, url) in choice.urls() {
        merchant.check_return_url(field, url)?;
    }
    let settings = merchant.settings(gateway)?;
    let client_ip = request
        .get("clientIp")
        .and_then(crate::json::Value::as_str)
        .filter(|s| !s.is_empty())
        .or(merchant.client_ip_fallback.as_deref());
    let expiry = merchant.expiry_ms.unwrap_or(DEFAULT_EXPIRY_MS);
    let expires_at = now_ms + expiry.min(m.facts().max_expiry_ms);
    let notify_url = format!(
        "{}/notify/{gateway}",
        merchant.public_base_url.trim_end_matches('/')
    );
    let unsigned = m
        .request_for(
            &priced.choice(
                &choice,
                merchant_order_id,
                now_ms,
                expires_at,
                &notify_url,
                client_ip,
            ),
            &Settings {
                base_url: &settings.base_url,
                id: &settings.id,
            },
        )
        .map_err(crate::catalog::in_choice_terms)?;
    Ok(Plan {
        merchant_order_id: merchant_order_id.to_owned(),
        gateway,
        sku: choice.sku,
        quantity: choice.quantity,
        amount: priced.amount,
        currency: priced.product.currency.clone(),
        created_at: now_ms,
        expires_at,
        unsigned,
    })
}

/// The gateway's create-order reply for `plan` → the [`Payment`] to show, with
/// what the gateway may not echo (order id, amount, currency, expiry) filled
/// in from the plan.
pub fn payment_for(plan: &Plan, http_status: u16, body: &str) -> Result<Payment> {
    payment_of(&OrderRecord::creating(plan), http_status, body)
}

/// [`payment_for`] from the order's record, which carries everything it needs.
fn payment_of(order: &OrderRecord, http_status: u16, body: &str) -> Result<Payment> {
    let mut payment = crate::gateway::parse_response(order.gateway, http_status, body)?;
    payment
        .merchant_order_id
        .get_or_insert_with(|| order.merchant_order_id.clone());
    payment.amount.get_or_insert(order.amount);
    payment
        .currency
        .get_or_insert_with(|| order.currency.clone());
    payment.expires_at.get_or_insert(order.expires_at);
    Ok(payment)
}

/// A `creating` record and the gateway's create-order reply → the record opened
/// with its payment, in one step.
pub fn settle(order: &OrderRecord, http_status: u16, body: &str) -> Result<OrderRecord> {
    let payment = serde_json::to_value(payment_of(order, http_status, body)?)
        .map_err(|e| CheckoutError::internal(&e.to_string()))?;
    Ok(open(order, payment))
}

/// What settling changes on a record: the fields a caller that keeps the rest of the
/// record itself (the worker's order object) merges, with the payment written as it is
/// read — no JSON tree of it, no copy of the record, a few hundred bytes back.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Opened {
    pub state: State,
    pub expires_at: u64,
    pub payment: Payment,
}

/// [`settle`] as its changes: `{ ...order, ...opened }` is the settled record.
pub fn settle_changes(order: &OrderRecord, http_status: u16, body: &str) -> Result<Opened> {
    let payment = payment_of(order, http_status, body)?;
    Ok(Opened {
        state: match order.state {
            State::Creating => State::Pending,
            s => s,
        },
        // `payment_of` fills a missing expiry from the record, so this is what `open` keeps.
        expires_at: payment.expires_at.unwrap_or(order.expires_at),
        payment,
    })
}

/// The worker's side of a shop, read once per isolate: the catalog, the public
/// settings and the gateways' secrets, so a checkout is one call into the module
/// with nothing re-read (the secrets stay in the module, never in a reply).
pub struct Shop {
    products: Vec<Product>,
    merchant: Merchant,
    secrets: BTreeMap<Gateway, crate::signing::Secret>,
}

/// One checkout's result: the write-ahead record and the signed request to send.
#[derive(Debug, Serialize)]
pub struct Checkout {
    pub order: OrderRecord,
    pub request: crate::signing::SignedRequest,
}

impl Shop {
    pub fn new(products: Vec<Product>, env: &BTreeMap<String, String>) -> Shop {
        let secrets = Gateway::ALL
            .iter()
            .filter_map(|g| {
                let binding = module(*g).facts().secret_binding;
                let value = env.get(binding)?.trim();
                Some((*g, crate::signing::Secret::new(value, binding).ok()?))
            })
            .collect();
        Shop {
            products,
            merchant: Merchant::from_env(env),
            secrets,
        }
    }

    pub fn merchant(&self) -> &Merchant {
        &self.merchant
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The gateway's secret, or `missing_secret` naming its env binding.
    pub fn secret(&self, g: Gateway) -> Result<&crate::signing::Secret> {
        self.secrets.get(&g).ok_or_else(|| {
            match crate::signing::Secret::new("", module(g).facts().secret_binding) {
                Err(e) => e,
                Ok(_) => CheckoutError::internal("an empty secret was accepted"),
            }
        })
    }

    /// Prices, plans and signs one checkout: [`plan`], [`OrderRecord::creating`] and
    /// the gateway's signature over what will be sent (`nonce`: GatePay's, fresh per request).
    pub fn checkout(
        &self,
        request: &crate::json::Value,
        now_ms: u64,
        merchant_order_id: &str,
        nonce: &str,
    ) -> Result<Checkout> {
        let plan = plan(
            &self.products,
            &self.merchant,
            request,
            now_ms,
            merchant_order_id,
        )?;
        let opts = crate::signing::SignOptions {
            timestamp: Some(now_ms),
            nonce: Some(nonce.to_owned()),
        };
        let order = OrderRecord::creating(&plan);
        let request = crate::signing::sign_built(
            plan.gateway,
            plan.unsigned,
            self.secret(plan.gateway)?,
            &opts,
        )?;
        Ok(Checkout { order, request })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Written before the gateway is called; a notification may already apply.
    Creating,
    Pending,
    Paid,
    Expired,
    Failed,
}

/// What the store keeps per order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRecord {
    pub merchant_order_id: String,
    pub gateway: Gateway,
    /// Stored as its decimal text, like every amount that leaves Rust.
    pub amount: Amount,
    pub currency: String,
    pub state: State,
    #[serde(default)]
    pub created_at: u64,
    pub expires_at: u64,
    #[serde(default)]
    pub payment: Option<Value>,
    #[serde(default)]
    pub paid_at: Option<u64>,
    /// The gateway's own id of the payment, from the notification that paid it.
    #[serde(default)]
    pub gateway_order_id: Option<String>,
    #[serde(default)]
    pub notify_ids: Vec<String>,
}

impl OrderRecord {
    /// The write-ahead record: it exists before the gateway is called, so a
    /// notification that overtakes the create-order reply finds its order.
    pub fn creating(plan: &Plan) -> OrderRecord {
        OrderRecord {
            merchant_order_id: plan.merchant_order_id.clone(),
            gateway: plan.gateway,
            amount: plan.amount,
            currency: plan.currency.clone(),
            state: State::Creating,
            created_at: plan.created_at,
            expires_at: plan.expires_at,
            payment: None,
            paid_at: None,
            gateway_order_id: None,
            notify_ids: Vec::new(),
        }
    }

    /// The state a reader should see at `now_ms`: an unpaid order past its expiry is expired.
    pub fn state_at(&self, now_ms: u64) -> State {
        if self.is_open() && now_ms > self.expires_at {
            State::Expired
        } else {
            self.state
        }
    }

    /// Still waiting for the buyer (or for the gateway's reply).
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Creating | State::Pending)
    }
}

/// The gateway answered: the record takes its payment (as JSON, the form it is
/// stored and shown in) and becomes pending. An order a notification already
/// settled keeps its state (paid stays paid).
pub fn open(order: &OrderRecord, payment: Value) -> OrderRecord {
    let mut next = order.clone();
    // Timestamps may come back from JS as whole-valued doubles.
    let expires = payment.get("expiresAt");
    if let Some(at) = expires.and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64))) {
        next.expires_at = at;
    }
    next.payment = Some(payment);
    if next.state == State::Creating {
        next.state = State::Pending;
    }
    next
}

/// The gateway call failed: an order still being created is failed; one a
/// notification already settled is left as it is (the money moved anyway).
pub fn fail(order: &OrderRecord) -> OrderRecord {
    let mut next = order.clone();
    if next.state == State::Creating {
        next.state = State::Failed;
    }
    next
}

/// At its expiry (the object's alarm), an order still open becomes expired;
/// `None` when nothing changes.
pub fn expire(order: &OrderRecord, now_ms: u64) -> Option<OrderRecord> {
    let state = order.state_at(now_ms);
    (state != order.state).then(|| OrderRecord {
        state,
        ..order.clone()
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    pub order: OrderRecord,
    /// False when the notification was already applied (a gateway retry).
    pub changed: bool,
}

/// The fields [`apply`] may change, for a caller that keeps the rest of the record
/// itself (the worker's order object): a few bytes cross back instead of the record.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes<'a> {
    pub changed: bool,
    pub state: State,
    pub paid_at: Option<u64>,
    pub gateway_order_id: &'a Option<String>,
    pub notify_ids: &'a [String],
}

impl Transition {
    pub fn changes(&self) -> Changes<'_> {
        Changes {
            changed: self.changed,
            state: self.order.state,
            paid_at: self.order.paid_at,
            gateway_order_id: &self.order.gateway_order_id,
            notify_ids: &self.order.notify_ids,
        }
    }
}

/// Applies a verified notification. A notification for another order or with a
/// different amount is refused; a repeat is accepted without change; a payment
/// that arrives after expiry still marks the order paid (the money moved).
pub fn apply(order: &OrderRecord, n: &Notification, now_ms: u64) -> Result<Transition> {
    let refuse = |why: &str, zh: &str| {
        CheckoutError::new(Code::MalformedNotification, why.to_owned(), zh.to_owned())
    };
    if n.gateway != order.gateway || n.merchant_order_id != order.merchant_order_id {
        return Err(refuse(
            "the notification is for another order",
            "通知与订单不匹配",
        ));
    }
    if let Some(a) = n.amount {
        if a != order.amount {
            return Err(CheckoutError::new(
                Code::AmountMismatch,
                format!(
                    "the notified amount {a} differs from the order's {}",
                    order.amount
                ),
                format!("通知金额 {a} 与订单金额 {} 不一致", order.amount),
            )
            .field("amount"));
        }
    }
    // A repeat changes nothing, and a paid order stays paid whatever comes after.
    if order.notify_ids.iter().any(|id| id == &n.notify_id) || order.state == State::Paid {
        return Ok(Transition {
            order: order.clone(),
            changed: false,
        });
    }
    let mut next = order.clone();
    next.notify_ids.push(n.notify_id.clone());
    match (order.state, n.paid) {
        (_, true) => {
            next.state = State::Paid;
            next.paid_at = Some(now_ms);
            next.gateway_order_id = n.gateway_order_id.clone();
        }
        (State::Creating | State::Pending, false) => {
            next.state = if n.status.contains("EXPIRED") {
                State::Expired
            } else {
                State::Failed
            }
        }
        (_, false) => {}
    }
    Ok(Transition {
        changed: next.state != order.state,
        order: next,
    })
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest and python3
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Vec<Product> {
        crate::catalog::read_products(&crate::json::Value::from(&json!([{
            "sku": "tea", "name": "龙井茶 250g", "price": "29.90", "currency": "CNY",
            "offers": [
                {"gateway": "gatepay-io", "payTypes": ["wechat", "alipay"], "productId": 1024},
                {"gateway": "yimafu", "payTypes": ["20", "30", "22"]}
            ]
        }, {
            "sku": "nft", "name": "NF2T", "price": "1.21", "currency": "USDT",
            "offers": [{"gateway": "gatepay", "payTypes": ["WEB", "APP"]}]
        }])))
        .unwrap()
    }

    /// [`plan`] for a choice written with `json!`, from the tests' catalog and merchant.
    fn plan_for(choice: &serde_json::Value) -> Result<Plan> {
        plan(&catalog(), &merchant(), &choice.into(), NOW, &id())
    }

    /// The shop's env bindings in these tests: every gateway on, secrets s1–s3.
    fn env() -> BTreeMap<String, String> {
        [
            ("GATEPAY_IO_BASE_URL", "http://127.0.0.1:8788"),
            ("GATEPAY_IO_APPKEY", "ak_demo"),
            ("GATEPAY_IO_APPSECRET", "s1"),
            ("GATEPAY_BASE_URL", "http://127.0.0.1:8788"),
            ("GATEPAY_CLIENT_ID", "cid"),
            ("GATEPAY_SECRET_KEY", "s2"),
            ("YIMAFU_BASE_URL", "http://127.0.0.1:8788"),
            ("YIMAFU_APP_ID", "app_demo"),
            ("YIMAFU_KEY", "s3"),
            ("PUBLIC_BASE_URL", "https://shop.example"),
            (
                "ALLOWED_ORIGINS",
                "https://shop.example, http://127.0.0.1:8080",
            ),
            ("CLIENT_IP_FALLBACK", "203.0.113.9"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn merchant() -> Merchant {
        Merchant::from_env(&env())
    }

    const NOW: u64 = 1_763_884_800_000;

    fn id() -> String {
        merchant_order_id(NOW, "abcdefghij").unwrap()
    }

    #[test]
    fn prices_from_the_catalog_only() {
        let req = json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "quantity": 3, "price": "0.01", "amount": 1});
        let p = plan_for(&req).unwrap();
        assert_eq!(p.amount.fen(), 8970, "3 × 29.90 whatever the browser says");
        assert!(p.unsigned.signing_input.contains("amount=8970"));
        assert!(p
            .unsigned
            .signing_input
            .contains("notify_url=https://shop.example/notify/yimafu"));
        assert_eq!(p.merchant_order_id.len(), 20);
        assert!(
            p.merchant_order_id.starts_with("QC")
                && p.merchant_order_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric())
        );
        let g = plan(
            &catalog(),
            &merchant(),
            &crate::json::Value::from(
                &json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft", "quantity": 2}),
            ),
            NOW,
            "QC0123456789",
        )
        .unwrap();
        assert!(
            g.unsigned.body.contains(r#""orderAmount":"2.42""#),
            "{}",
            g.unsigned.body
        );
    }

    #[test]
    fn refuses_bad_checkouts_before_any_network() {
        let cases = [
            (
                json!({"gateway": "yimafu", "payType": "30", "sku": "nope"}),
                "sku",
                Code::InvalidField,
            ),
            (
                json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "quantity": 0}),
                "quantity",
                Code::InvalidQuantity,
            ),
            (
                json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "quantity": -2}),
                "quantity",
                Code::InvalidQuantity,
            ),
            (
                json!({"gateway": "yimafu", "payType": "31", "sku": "tea"}),
                "payType",
                Code::InvalidPayType,
            ),
            (
                json!({"gateway": "gatepay", "payType": "WEB", "sku": "tea"}),
                "gateway",
                Code::InvalidField,
            ),
            (
                json!({"gateway": "paypal", "payType": "x", "sku": "tea"}),
                "gateway",
                Code::UnknownGateway,
            ),
            (
                json!({"gateway": "gatepay-io", "payType": "wechat", "sku": "tea", "quantity": 2}),
                "quantity",
                Code::WechatSingleItem,
            ),
            (
                json!({"gateway": "yimafu", "payType": "22", "sku": "tea"}),
                "openid",
                Code::MissingField,
            ),
        ];
        for (req, field, code) in cases {
            let e = plan_for(&req).unwrap_err();
            assert_eq!((e.field.as_deref(), e.code), (Some(field), code), "{req}");
        }
        let mut m = merchant();
        m.gateways.remove(&Gateway::Yimafu);
        let e = plan(
            &catalog(),
            &m,
            &crate::json::Value::from(&json!({"gateway": "yimafu", "payType": "30", "sku": "tea"})),
            NOW,
            &id(),
        )
        .unwrap_err();
        assert_eq!(e.code, Code::GatewayNotConfigured);
        assert_eq!(
            public_catalog(&catalog(), &m)[0].offers.len(),
            1,
            "a disabled gateway is not offered"
        );
    }

    #[test]
    fn the_public_catalog_names_the_buyer_fields_each_pay_type_needs() {
        // The test catalog offers 易码付 20, 30 and 22 (JSAPI).
        let public = public_catalog(&catalog(), &merchant());
        let yimafu = &public[0].offers[1];
        assert_eq!(
            serde_json::to_value(yimafu).unwrap()["requiredFields"],
            json!({ "22": ["openid"] }),
            "only the pay type that needs a field is listed, as an object"
        );
        assert!(public[0].offers[0].required_fields.is_empty());
        assert!(
            !serde_json::to_string(&public[1])
                .unwrap()
                .contains("requiredFields"),
            "absent when nothing is required"
        );
    }

    fn record() -> OrderRecord {
        OrderRecord {
            merchant_order_id: "QC1".into(),
            gateway: Gateway::Yimafu,
            amount: Amount::from_fen(2990).unwrap(),
            currency: "CNY".into(),
            state: State::Pending,
            created_at: NOW,
            expires_at: NOW + 1000,
            payment: None,
            paid_at: None,
            gateway_order_id: None,
            notify_ids: vec![],
        }
    }

    fn paid(amount_fen: u64, id: &str) -> Notification {
        Notification {
            gateway: Gateway::Yimafu,
            merchant_order_id: "QC1".into(),
            gateway_order_id: Some("T1".into()),
            amount: Some(Amount::from_fen(amount_fen).unwrap()),
            paid_amount: None,
            currency: None,
            paid: true,
            status: "success".into(),
            notify_id: id.into(),
            raw: Value::Null,
        }
    }

    #[test]
    fn state_machine() {
        let t = apply(&record(), &paid(2990, "T1"), NOW).unwrap();
        assert!(t.changed);
        assert_eq!((t.order.state, t.order.paid_at), (State::Paid, Some(NOW)));
        assert_eq!(
            t.order.gateway_order_id.as_deref(),
            Some("T1"),
            "the gateway's id is kept"
        );
        let again = apply(&t.order, &paid(2990, "T1"), NOW + 5).unwrap();
        assert!(!again.changed, "a retry changes nothing");
        assert_eq!(again.order.paid_at, Some(NOW));
        assert_eq!(
            apply(&record(), &paid(1, "T1"), NOW)
                .unwrap_err()
                .field
                .as_deref(),
            Some("amount")
        );
        let mut other = paid(2990, "T1");
        other.merchant_order_id = "QC2".into();
        assert!(apply(&record(), &other, NOW).is_err());
        assert_eq!(record().state_at(NOW + 1001), State::Expired);
        let mut late = record();
        late.expires_at = NOW - 1;
        assert_eq!(
            apply(&late, &paid(2990, "T9"), NOW).unwrap().order.state,
            State::Paid,
            "money that moved is never lost"
        );
        let mut closed = paid(2990, "B1");
        closed.paid = false;
        closed.status = "PAY_EXPIRED_IN_PROCESS".into();
        assert_eq!(
            apply(&record(), &closed, NOW).unwrap().order.state,
            State::Expired
        );
        let after_paid = apply(&t.order, &closed, NOW).unwrap();
        assert_eq!(
            (after_paid.order.state, after_paid.changed),
            (State::Paid, false),
            "paid stays paid"
        );
    }

    /// The worker merges `changes()` into the record it holds: every field that
    /// `apply` touches must be among them (a new one would be lost otherwise).
    #[test]
    fn changes_are_all_that_apply_changes() {
        let mut closed = paid(2990, "B1");
        closed.paid = false;
        closed.status = "PAY_EXPIRED_IN_PROCESS".into();
        let mut failed = closed.clone();
        failed.status = "PAY_ERROR".into();
        let mut with_payment = record();
        with_payment.state = State::Pending;
        with_payment.payment = Some(serde_json::json!({ "show": { "kind": "qr" } }));
        let paid_order = apply(&record(), &paid(2990, "T1"), NOW).unwrap().order;
        for (order, n) in [
            (record(), paid(2990, "T1")),
            (with_payment.clone(), paid(2990, "T2")),
            (with_payment.clone(), closed.clone()),
            (with_payment, failed),
            (paid_order.clone(), paid(2990, "T1")),
            (paid_order, closed),
        ] {
            let t = apply(&order, &n, NOW + 7).unwrap();
            let c = t.changes();
            let merged = OrderRecord {
                state: c.state,
                paid_at: c.paid_at,
                gateway_order_id: c.gateway_order_id.clone(),
                notify_ids: c.notify_ids.to_vec(),
                ..order
            };
            assert_eq!(merged, t.order);
            assert_eq!(c.changed, t.changed);
        }
    }

    #[test]
    fn fresh_ids_are_the_time_in_base_36_and_ten_letters_or_digits() {
        // Expected ids written by a few lines of Python, not by this code.
        for (now, entropy, id) in [
            (1_700_000_000_000, "abcdefghij", "QCLOYW3V28ABCDEFGHIJ"),
            (0, "a-b_c.d!e f g h i j k", "QC00000000ABCDEFGHIJ"),
            (u64::MAX, "ZZZZZZZZZZzz", "QC3W5E11264SGSFZZZZZZZZZZ"),
            (35, "龙井abcdefghij", "QC0000000ZABCDEFGHIJ"),
        ] {
            assert_eq!(merchant_order_id(now, entropy).unwrap(), id);
        }
        assert_eq!(
            merchant_order_id(NOW, "龙井abc-def")
                .unwrap_err()
                .field
                .as_deref(),
            Some("entropy")
        );
    }

    #[test]
    fn keyed_ids_are_stable_and_valid_everywhere() {
        // Digest and expected id computed with Python's hashlib, independently.
        let digest = "683a54a2eed84be9941578b401a472f7cda4b59e42d2f7567ddceb33d1cc7ef3";
        assert_eq!(keyed_order_id(digest).unwrap(), "QKD0T598NER15UJ50LF2");
        assert!(keyed_order_id("abc").is_err());
        let req = json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft"});
        let p = plan(
            &catalog(),
            &merchant(),
            &crate::json::Value::from(&req),
            NOW,
            "QKD0T598NER15UJ50LF2",
        )
        .unwrap();
        assert_eq!(p.merchant_order_id, "QKD0T598NER15UJ50LF2");
        for bad in ["", "QC1", "QC-0001", &"X".repeat(33)] {
            let e = plan(
                &catalog(),
                &merchant(),
                &crate::json::Value::from(&req),
                NOW,
                bad,
            )
            .unwrap_err();
            assert_eq!(e.field.as_deref(), Some("merchantOrderId"), "{bad}");
        }
    }

    /// Python's hmac, so the expected signature is not our code's.
    fn python_hmac_sha512(key: &str, message: &str) -> String {
        let out = std::process::Command::new("python3")
            .args(["-c", "import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha512).hexdigest())", key, message])
            .output()
            .expect("python3");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn the_shop_checks_out_in_one_step_exactly_as_the_separate_steps_do() {
        let mut env = env();
        let shop = Shop::new(catalog(), &env);
        let nonce = "n0123456789";
        for (req, secret) in [
            (
                json!({"gateway": "gatepay-io", "payType": "alipay", "sku": "tea"}),
                "s1",
            ),
            (
                json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft", "quantity": 2}),
                "s2",
            ),
            (
                json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "quantity": 3}),
                "s3",
            ),
        ] {
            let out = shop
                .checkout(&crate::json::Value::from(&req), NOW, &id(), nonce)
                .unwrap();
            let p = plan(
                &catalog(),
                shop.merchant(),
                &crate::json::Value::from(&req),
                NOW,
                &id(),
            )
            .unwrap();
            let opts = crate::signing::SignOptions {
                timestamp: Some(NOW),
                nonce: Some(nonce.into()),
            };
            let secret = crate::signing::Secret::new(secret, "secret").unwrap();
            assert_eq!(out.order, OrderRecord::creating(&p));
            assert_eq!(
                out.request,
                crate::signing::sign_request(p.gateway, &p.unsigned, &secret, &opts).unwrap()
            );
        }
        // GatePay's signature, twice through the shop's kept key state, against Python's hmac.
        let req = json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft"});
        for n in ["nonceA", "nonceB"] {
            let signed = shop
                .checkout(&crate::json::Value::from(&req), NOW, &id(), n)
                .unwrap()
                .request;
            let message = format!("{NOW}\n{n}\n{}\n", signed.body);
            assert_eq!(signed.signature, python_hmac_sha512("s2", &message));
        }
        // A gateway whose secret is unset is off: refused before anything is signed.
        env.remove("YIMAFU_KEY");
        let e = Shop::new(catalog(), &env)
            .checkout(
                &crate::json::Value::from(
                    &json!({"gateway": "yimafu", "payType": "30", "sku": "tea"}),
                ),
                NOW,
                &id(),
                nonce,
            )
            .unwrap_err();
        assert_eq!(e.code, Code::GatewayNotConfigured);
    }

    #[test]
    fn settle_reads_the_reply_and_opens_the_record_in_one_step() {
        let req = json!({"gateway": "yimafu", "payType": "30", "sku": "tea"});
        let p = plan_for(&req).unwrap();
        let creating = OrderRecord::creating(&p);
        let reply = r#"{"resultCode":200,"message":"成功","Data":{"out_trade_no":"X","trade_no":"T1","channel":"alipay_qr","body":"https://qr.alipay.com/bax1"}}"#;
        let payment = serde_json::to_value(payment_for(&p, 200, reply).unwrap()).unwrap();
        assert_eq!(
            settle(&creating, 200, reply).unwrap(),
            open(&creating, payment)
        );
        // Its changes, merged into the record, are the settled record: for each gateway's reply.
        let merged = |order: &OrderRecord, reply: &str| {
            let mut v = serde_json::to_value(order).unwrap();
            let changes = serde_json::to_value(settle_changes(order, 200, reply).unwrap()).unwrap();
            v.as_object_mut()
                .unwrap()
                .extend(changes.as_object().unwrap().clone());
            v
        };
        let replies = [
            (json!({"gateway": "yimafu", "payType": "30", "sku": "tea"}), reply.to_owned()),
            (
                json!({"gateway": "gatepay-io", "payType": "alipay", "sku": "tea"}),
                r#"{"code":100,"msg":"ok","data":{"order_type":"alipay","order_price":29.90,"order_url":"https://gatepay.io/pay/1"}}"#.to_owned(),
            ),
            (
                json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft"}),
                json!({"status": "SUCCESS", "code": "000000", "data": json!({"prepayId": "GP1", "expireTime": NOW + 60_000, "qrContent": "https://pay.gate.io/qr/GP1"}).to_string()}).to_string(),
            ),
        ];
        for (req, reply) in &replies {
            let creating = OrderRecord::creating(&plan_for(req).unwrap());
            let settled = settle(&creating, 200, reply).unwrap();
            assert_eq!(settled.state, State::Pending);
            assert_eq!(
                merged(&creating, reply),
                serde_json::to_value(&settled).unwrap()
            );
        }
        let refused = r#"{"resultCode":201,"message":"商户不存在","Data":null}"#;
        assert_eq!(
            settle_changes(&creating, 200, refused).unwrap_err(),
            settle(&creating, 200, refused).unwrap_err()
        );
        assert_eq!(
            settle(&creating, 200, refused).unwrap_err().code,
            Code::GatewayRejected
        );
        // A notification that overtook the reply made it paid: paid it stays.
        let mut n = paid(2990, "T1");
        n.merchant_order_id = p.merchant_order_id.clone();
        let paid_order = apply(&creating, &n, NOW + 1).unwrap().order;
        assert_eq!(settle(&paid_order, 200, reply).unwrap().state, State::Paid);
        assert_eq!(
            merged(&paid_order, reply),
            serde_json::to_value(settle(&paid_order, 200, reply).unwrap()).unwrap()
        );
    }

    #[test]
    fn write_ahead_open_fail_expire() {
        let req = json!({"gateway": "yimafu", "payType": "30", "sku": "tea"});
        let p = plan_for(&req).unwrap();
        let creating = OrderRecord::creating(&p);
        assert_eq!(
            (creating.state, creating.created_at),
            (State::Creating, NOW)
        );
        let reply = r#"{"resultCode":200,"message":"成功","Data":{"out_trade_no":"X","trade_no":"T1","channel":"alipay_qr","body":"https://qr.alipay.com/bax1"}}"#;
        let payment = payment_for(&p, 200, reply).unwrap();
        assert_eq!(payment.amount, Some(p.amount), "filled in from the plan");
        let payment = serde_json::to_value(&payment).unwrap();
        let pending = open(&creating, payment.clone());
        assert_eq!(pending.state, State::Pending);
        assert!(pending.payment.is_some());
        assert_eq!(fail(&creating).state, State::Failed);
        assert_eq!(
            fail(&pending).state,
            State::Pending,
            "only a creating order fails"
        );

        // A notification that overtakes the reply is applied to the creating record…
        let mut n = paid(2990, "T1");
        n.merchant_order_id = p.merchant_order_id.clone();
        let t = apply(&creating, &n, NOW + 1).unwrap();
        assert_eq!(t.order.state, State::Paid);
        // …and neither the late reply nor a late failure undoes it.
        assert_eq!(open(&t.order, payment).state, State::Paid);
        assert_eq!(fail(&t.order).state, State::Paid);

        // Expiry: only open orders, only after expires_at.
        assert_eq!(expire(&pending, pending.expires_at), None);
        assert_eq!(
            expire(&pending, pending.expires_at + 1).unwrap().state,
            State::Expired
        );
        assert_eq!(
            expire(&creating, creating.expires_at + 1).unwrap().state,
            State::Expired
        );
        assert_eq!(expire(&t.order, u64::MAX), None, "paid is never expired");
    }

    #[test]
    fn wrong_amount_is_its_own_code() {
        let e = apply(&record(), &paid(1, "T1"), NOW).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (Code::AmountMismatch, Some("amount"))
        );
    }

    #[test]
    fn buyer_urls_and_fields() {
        let go = |req: Value| plan_for(&req);
        let code = |r: Result<Plan>| r.map(|_| ()).map_err(|e| (e.code, e.field));
        let gp = |extra: Value| {
            let mut r = json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft"});
            r.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            r
        };
        let ok = go(gp(json!({"returnUrl": "https://shop.example/thanks", "cancelUrl": "http://127.0.0.1:8080/"}))).unwrap();
        assert!(
            ok.unsigned
                .body
                .contains(r#""returnUrl":"https://shop.example/thanks""#),
            "{}",
            ok.unsigned.body
        );
        for evil in [
            "https://evil.example/phish",
            "https://shop.example@evil.example/",
            "https://shop.example.evil.example/",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                code(go(gp(json!({"returnUrl": evil})))),
                Err((Code::ReturnUrlNotAllowed, Some("returnUrl".into()))),
                "{evil}"
            );
            assert_eq!(
                code(go(gp(json!({"cancelUrl": evil})))),
                Err((Code::ReturnUrlNotAllowed, Some("cancelUrl".into()))),
                "{evil}"
            );
        }
        // Gateways that take no such URL refuse it rather than drop it.
        let ymf = json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "returnUrl": "https://shop.example/"});
        assert_eq!(
            code(go(ymf)),
            Err((Code::UnsupportedField, Some("returnUrl".into())))
        );
        let io =
            json!({"gateway": "gatepay-io", "payType": "alipay", "sku": "tea", "openid": "o123"});
        assert_eq!(
            code(go(io)),
            Err((Code::UnsupportedField, Some("openid".into())))
        );
    }

    #[test]
    fn yimafu_without_a_payer_ip_is_a_configuration_error_not_a_made_up_address() {
        let mut m = merchant();
        m.client_ip_fallback = None;
        let req = json!({"gateway": "yimafu", "payType": "30", "sku": "tea"});
        let e = plan(&catalog(), &m, &crate::json::Value::from(&req), NOW, &id()).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (Code::GatewayNotConfigured, Some("clientIp"))
        );
        let with_ip =
            json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "clientIp": "198.51.100.4"});
        let p = plan(
            &catalog(),
            &m,
            &crate::json::Value::from(&with_ip),
            NOW,
            &id(),
        )
        .unwrap();
        assert!(p.unsigned.signing_input.contains("client_ip=198.51.100.4"));
        let fallback = plan_for(&req).unwrap();
        assert!(fallback
            .unsigned
            .signing_input
            .contains("client_ip=203.0.113.9"));
    }

    #[test]
    fn the_page_preview_applies_the_edge_rules() {
        use crate::catalog::{preview, Choice};
        let cases = [
            json!({"gateway": "gatepay-io", "payType": "wechat", "sku": "tea", "quantity": 2}),
            json!({"gateway": "yimafu", "payType": "22", "sku": "tea"}),
            json!({"gateway": "yimafu", "payType": "31", "sku": "tea", "quantity": 1000}),
            json!({"gateway": "gatepay", "payType": "TV", "sku": "nft"}),
            json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "returnUrl": "https://shop.example/"}),
        ];
        for req in cases {
            let edge = plan_for(&req).unwrap_err();
            let page = Choice::read(&crate::json::Value::from(&req))
                .and_then(|c| preview(&catalog(), &c, NOW))
                .unwrap_err();
            assert_eq!((page.code, page.field), (edge.code, edge.field), "{req}");
        }
        let q = preview(
            &catalog(),
            &Choice::read(&crate::json::Value::from(
                &json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "quantity": 3}),
            ))
            .unwrap(),
            NOW,
        )
        .unwrap();
        assert_eq!(
            (q.amount.to_string(), q.currency.as_str()),
            ("89.70".to_owned(), "CNY")
        );
    }
}
