//! The merchant's side of a checkout, run at the edge: price the buyer's choice
//! from the worker's own catalog (never from the browser), mint the merchant
//! order id, build the gateway order, and move an order through its states when
//! a verified notification arrives.

use crate::error::{CheckoutError, Code, Result};
use crate::gateway::{gatepay, gatepay_io, yimafu};
use crate::money::Amount;
use crate::payment::{Gateway, Notification, Payment};
use crate::request::{Input, UnsignedRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How long a QR stays payable unless the gateway says otherwise.
pub const DEFAULT_EXPIRY_MS: u64 = 15 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub gateway: Gateway,
    /// gatepay.io: `wechat`/`alipay`/`onecode`; GatePay: terminal types; 易码付: "20", "30"…
    pub pay_types: Vec<String>,
    /// gatepay.io prices by its own product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub sku: String,
    pub name: String,
    /// Decimal text, e.g. "29.90".
    pub price: String,
    pub currency: String,
    pub offers: Vec<Offer>,
}

/// Per-gateway public settings (ids and URLs, never secrets). A gateway whose
/// settings are absent is disabled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Merchant {
    pub gatepay_io: Option<GatewaySettings>,
    pub gatepay: Option<GatewaySettings>,
    pub yimafu: Option<GatewaySettings>,
    /// Where gateways send notifications: `{publicBaseUrl}/notify/{gateway}`.
    pub public_base_url: String,
    #[serde(default)]
    pub expiry_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySettings {
    pub base_url: String,
    /// appkey / clientId / appId.
    pub id: String,
}

impl Merchant {
    fn settings(&self, g: Gateway) -> Result<&GatewaySettings> {
        let s = match g {
            Gateway::GatepayIo => &self.gatepay_io,
            Gateway::Gatepay => &self.gatepay,
            Gateway::Yimafu => &self.yimafu,
        };
        s.as_ref().ok_or_else(|| {
            CheckoutError::new(
                Code::GatewayNotConfigured,
                format!("{g} is not configured on this shop"),
                format!("本店未开通 {g} 支付"),
            )
            .field("gateway")
        })
    }

    pub fn enabled(&self, g: Gateway) -> bool {
        self.settings(g).is_ok()
    }
}

/// The catalog as the page may see it: only gateways this shop has enabled.
pub fn public_catalog(products: &[Product], merchant: &Merchant) -> Vec<Product> {
    products
        .iter()
        .map(|p| Product {
            offers: p
                .offers
                .iter()
                .filter(|o| merchant.enabled(o.gateway))
                .cloned()
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
    let tail: String = entropy
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect();
    if tail.len() < 10 {
        return Err(CheckoutError::invalid(
            "entropy",
            "needs 10 letters or digits",
            "需要 10 位字母或数字",
        ));
    }
    let mut t = now_ms;
    let mut time = Vec::new();
    loop {
        time.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(t % 36) as usize] as char);
        t /= 36;
        if t == 0 {
            break;
        }
    }
    let time: String = time.iter().rev().collect();
    Ok(format!("QC{time:0>8}{tail}").to_ascii_uppercase())
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

/// Prices `{ gateway, payType, sku, quantity, clientIp?, openid?, returnUrl? }`
/// from the catalog and builds the gateway order under `merchant_order_id`
/// (from [`merchant_order_id`] or [`keyed_order_id`]). Anything the buyer sends
/// about price is ignored: only sku and quantity are read.
pub fn plan(
    products: &[Product],
    merchant: &Merchant,
    request: &Value,
    now_ms: u64,
    merchant_order_id: &str,
) -> Result<Plan> {
    check_order_id(merchant_order_id)?;
    let input = Input::new(request, "checkout")?;
    let gateway: Gateway = input.required_text("gateway")?.parse()?;
    let sku = input.required_text("sku")?;
    let pay_type = input.required_text("payType")?;
    let quantity = input
        .integer("quantity")
        .map_err(|()| {
            CheckoutError::new(
                Code::InvalidQuantity,
                "quantity must be a whole number of at least 1",
                "数量必须是不小于 1 的整数",
            )
            .field("quantity")
        })?
        .unwrap_or(1);
    if quantity == 0 || quantity > 999 {
        return Err(CheckoutError::new(
            Code::InvalidQuantity,
            "quantity must be 1 to 999",
            "数量必须在 1 到 999 之间",
        )
        .field("quantity"));
    }
    let product = products
        .iter()
        .find(|p| p.sku == sku)
        .ok_or_else(|| CheckoutError::invalid("sku", "is not in the catalog", "商品不存在"))?;
    let offer = product
        .offers
        .iter()
        .find(|o| o.gateway == gateway)
        .ok_or_else(|| {
            CheckoutError::invalid(
                "gateway",
                "is not offered for this product",
                "该商品不支持此支付网关",
            )
        })?;
    if !offer.pay_types.contains(&pay_type) {
        return Err(CheckoutError::new(
            Code::InvalidPayType,
            "this pay method is not offered for this product",
            "该商品不支持此支付方式",
        )
        .field("payType"));
    }
    let settings = merchant.settings(gateway)?;
    let unit = Amount::parse_positive(&product.price).map_err(|e| e.field("price"))?;
    let amount = unit.checked_mul(quantity)?;
    let id = merchant_order_id.to_owned();
    let expires_at = now_ms
        + merchant
            .expiry_ms
            .unwrap_or(DEFAULT_EXPIRY_MS)
            .min(gatepay::MAX_EXPIRY_MS);
    let unsigned = match gateway {
        Gateway::GatepayIo => gatepay_io::Order {
            product_id: offer
                .product_id
                .ok_or_else(|| CheckoutError::missing("productId"))?,
            product_num: quantity,
            pay_type,
            out_order_id: id.clone(),
            custom: json!({ "sku": sku, "qty": quantity }).to_string(),
        }
        .build(&gatepay_io::Config {
            base_url: settings.base_url.clone(),
            appkey: settings.id.clone(),
        })?,
        Gateway::Gatepay => gatepay::Order {
            merchant_trade_no: id.clone(),
            env: gatepay::Env {
                terminal_type: pay_type,
                scene: None,
            },
            currency: product.currency.clone(),
            order_amount: amount,
            goods: gatepay::Goods {
                goods_name: product.name.clone(),
                goods_detail: Some(format!("{sku} × {quantity}")),
            },
            order_expire_time: Some(expires_at),
            return_url: input.text("returnUrl")?,
            cancel_url: None,
            channel_id: None,
            fiat_currency: None,
            fiat_amount: None,
            surcharge_amount: None,
            pay_currency: None,
            pay_amount: None,
            chain: None,
            address: None,
            source_type: None,
            pay_types: None,
        }
        .build(
            &gatepay::Config {
                base_url: settings.base_url.clone(),
                client_id: settings.id.clone(),
            },
            now_ms,
        )?,
        Gateway::Yimafu => yimafu::Order {
            out_trade_no: id.clone(),
            pay_type: pay_type.parse().map_err(|_| {
                CheckoutError::new(
                    Code::InvalidPayType,
                    "payType must be a number",
                    "支付方式必须是数字",
                )
                .field("payType")
            })?,
            description: product.name.clone(),
            amount,
            client_ip: input
                .text("clientIp")?
                .unwrap_or_else(|| "127.0.0.1".into()),
            notify_url: format!(
                "{}/notify/yimafu",
                merchant.public_base_url.trim_end_matches('/')
            ),
            time_expire: Some(((expires_at - now_ms) / 60_000).max(1)),
            attach: Some(json!({ "sku": sku, "qty": quantity }).to_string()),
            openid: input.text("openid")?.filter(|s| !s.is_empty()),
            split: None,
            pay_extra: None,
        }
        .build(&yimafu::Config {
            base_url: settings.base_url.clone(),
            app_id: settings.id.clone(),
        })?,
    };
    Ok(Plan {
        merchant_order_id: id,
        gateway,
        sku,
        quantity,
        amount,
        currency: product.currency.clone(),
        created_at: now_ms,
        expires_at,
        unsigned,
    })
}

/// The gateway's create-order reply for `plan` → the [`Payment`] to show, with
/// what the gateway may not echo (order id, amount, currency, expiry) filled
/// in from the plan.
pub fn payment_for(plan: &Plan, http_status: u16, body: &str) -> Result<Payment> {
    let mut payment = crate::gateway::parse_response(plan.gateway, http_status, body)?;
    payment
        .merchant_order_id
        .get_or_insert_with(|| plan.merchant_order_id.clone());
    payment.amount.get_or_insert(plan.amount);
    payment
        .currency
        .get_or_insert_with(|| plan.currency.clone());
    payment.expires_at.get_or_insert(plan.expires_at);
    Ok(payment)
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
                format!("the notified amount {a} differs from the order's {}", order.amount),
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

    fn catalog() -> Vec<Product> {
        serde_json::from_value(json!([{
            "sku": "tea", "name": "龙井茶 250g", "price": "29.90", "currency": "CNY",
            "offers": [
                {"gateway": "gatepay-io", "payTypes": ["wechat", "alipay"], "productId": 1024},
                {"gateway": "yimafu", "payTypes": ["20", "30", "22"]}
            ]
        }, {
            "sku": "nft", "name": "NF2T", "price": "1.21", "currency": "USDT",
            "offers": [{"gateway": "gatepay", "payTypes": ["WEB", "APP"]}]
        }]))
        .unwrap()
    }

    fn merchant() -> Merchant {
        serde_json::from_value(json!({
            "gatepayIo": {"baseUrl": "http://127.0.0.1:8788", "id": "ak_demo"},
            "gatepay": {"baseUrl": "http://127.0.0.1:8788", "id": "cid"},
            "yimafu": {"baseUrl": "http://127.0.0.1:8788", "id": "app_demo"},
            "publicBaseUrl": "https://shop.example"
        }))
        .unwrap()
    }

    const NOW: u64 = 1_763_884_800_000;

    fn id() -> String {
        merchant_order_id(NOW, "abcdefghij").unwrap()
    }

    #[test]
    fn prices_from_the_catalog_only() {
        let req = json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "quantity": 3, "price": "0.01", "amount": 1});
        let p = plan(&catalog(), &merchant(), &req, NOW, &id()).unwrap();
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
            &json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft", "quantity": 2}),
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
                "productNum",
                Code::WechatSingleItem,
            ),
            (
                json!({"gateway": "yimafu", "payType": "22", "sku": "tea"}),
                "openid",
                Code::MissingField,
            ),
        ];
        for (req, field, code) in cases {
            let e = plan(&catalog(), &merchant(), &req, NOW, &id()).unwrap_err();
            assert_eq!((e.field.as_deref(), e.code), (Some(field), code), "{req}");
        }
        let mut m = merchant();
        m.yimafu = None;
        let e = plan(
            &catalog(),
            &m,
            &json!({"gateway": "yimafu", "payType": "30", "sku": "tea"}),
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

    #[test]
    fn keyed_ids_are_stable_and_valid_everywhere() {
        // Digest and expected id computed with Python's hashlib, independently.
        let digest = "683a54a2eed84be9941578b401a472f7cda4b59e42d2f7567ddceb33d1cc7ef3";
        assert_eq!(keyed_order_id(digest).unwrap(), "QKD0T598NER15UJ50LF2");
        assert!(keyed_order_id("abc").is_err());
        let req = json!({"gateway": "gatepay", "payType": "WEB", "sku": "nft"});
        let p = plan(&catalog(), &merchant(), &req, NOW, "QKD0T598NER15UJ50LF2").unwrap();
        assert_eq!(p.merchant_order_id, "QKD0T598NER15UJ50LF2");
        for bad in ["", "QC1", "QC-0001", &"X".repeat(33)] {
            let e = plan(&catalog(), &merchant(), &req, NOW, bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("merchantOrderId"), "{bad}");
        }
    }

    #[test]
    fn write_ahead_open_fail_expire() {
        let req = json!({"gateway": "yimafu", "payType": "30", "sku": "tea"});
        let p = plan(&catalog(), &merchant(), &req, NOW, &id()).unwrap();
        let creating = OrderRecord::creating(&p);
        assert_eq!((creating.state, creating.created_at), (State::Creating, NOW));
        let reply = r#"{"resultCode":200,"message":"成功","Data":{"out_trade_no":"X","trade_no":"T1","channel":"alipay_qr","body":"https://qr.alipay.com/bax1"}}"#;
        let payment = payment_for(&p, 200, reply).unwrap();
        assert_eq!(payment.amount, Some(p.amount), "filled in from the plan");
        let payment = serde_json::to_value(&payment).unwrap();
        let pending = open(&creating, payment.clone());
        assert_eq!(pending.state, State::Pending);
        assert!(pending.payment.is_some());
        assert_eq!(fail(&creating).state, State::Failed);
        assert_eq!(fail(&pending).state, State::Pending, "only a creating order fails");

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
        assert_eq!(expire(&pending, pending.expires_at + 1).unwrap().state, State::Expired);
        assert_eq!(expire(&creating, creating.expires_at + 1).unwrap().state, State::Expired);
        assert_eq!(expire(&t.order, u64::MAX), None, "paid is never expired");
    }

    #[test]
    fn wrong_amount_is_its_own_code() {
        let e = apply(&record(), &paid(1, "T1"), NOW).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (Code::AmountMismatch, Some("amount")));
    }
}
