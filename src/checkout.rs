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
                Code::MissingSecret,
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

/// Prices `{ gateway, payType, sku, quantity, clientIp?, openid?, returnUrl? }`
/// from the catalog and builds the gateway order. Anything the buyer sends
/// about price is ignored: only sku and quantity are read.
pub fn plan(
    products: &[Product],
    merchant: &Merchant,
    request: &Value,
    now_ms: u64,
    entropy: &str,
) -> Result<Plan> {
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
    let id = merchant_order_id(now_ms, entropy)?;
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
        expires_at,
        unsigned,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
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
    pub expires_at: u64,
    #[serde(default)]
    pub payment: Option<Value>,
    #[serde(default)]
    pub paid_at: Option<u64>,
    #[serde(default)]
    pub notify_ids: Vec<String>,
}

impl OrderRecord {
    pub fn new(plan: &Plan, payment: &Payment) -> Result<OrderRecord> {
        Ok(OrderRecord {
            merchant_order_id: plan.merchant_order_id.clone(),
            gateway: plan.gateway,
            amount: plan.amount,
            currency: plan.currency.clone(),
            state: State::Pending,
            expires_at: payment.expires_at.unwrap_or(plan.expires_at),
            payment: Some(
                serde_json::to_value(payment)
                    .map_err(|e| CheckoutError::malformed(e.to_string()))?,
            ),
            paid_at: None,
            notify_ids: Vec::new(),
        })
    }

    /// The state a poll should see at `now_ms`: a pending order past its expiry is expired.
    pub fn state_at(&self, now_ms: u64) -> State {
        if self.state == State::Pending && now_ms > self.expires_at {
            State::Expired
        } else {
            self.state
        }
    }
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
            return Err(refuse(
                "the notified amount differs from the order's",
                "通知金额与订单金额不一致",
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
        (State::Pending, false) => {
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

    #[test]
    fn prices_from_the_catalog_only() {
        let req = json!({"gateway": "yimafu", "payType": "30", "sku": "tea", "quantity": 3, "price": "0.01", "amount": 1});
        let p = plan(&catalog(), &merchant(), &req, NOW, "abcdefghij").unwrap();
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
            "0123456789",
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
            let e = plan(&catalog(), &merchant(), &req, NOW, "abcdefghij").unwrap_err();
            assert_eq!((e.field.as_deref(), e.code), (Some(field), code), "{req}");
        }
        let mut m = merchant();
        m.yimafu = None;
        let e = plan(
            &catalog(),
            &m,
            &json!({"gateway": "yimafu", "payType": "30", "sku": "tea"}),
            NOW,
            "abcdefghij",
        )
        .unwrap_err();
        assert_eq!(e.code, Code::MissingSecret);
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
}
