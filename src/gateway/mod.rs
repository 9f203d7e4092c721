//! One module per gateway, each reading like its spec, each implementing
//! [`GatewayModule`]. [`module`] is the one table that maps a [`Gateway`] to its
//! module: nothing else in the crate (or in the JS glue, which asks [`facts`])
//! branches on the gateway.

pub mod gatepay;
pub mod gatepay_io;
pub mod yimafu;

use crate::error::Result;
use crate::money::Amount;
use crate::payment::{Gateway, Payment};
use crate::request::UnsignedRequest;
use serde::Serialize;

/// What the edge glue needs to know about a gateway, from Rust rather than
/// repeated in JS: env binding names, retry rule, headers, limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    pub gateway: Gateway,
    /// The env bindings of its settings: base URL, merchant id, secret.
    pub base_url_binding: &'static str,
    pub id_binding: &'static str,
    pub secret_binding: &'static str,
    /// The secret's name in a secrets object (`{ appsecret }`, `{ secretKey }`, `{ key }`).
    pub secret_field: &'static str,
    /// Where the gateway lives when `base_url_binding` is unset (`None`: must be set).
    pub default_base_url: Option<&'static str>,
    /// Buyer fields it takes beyond sku, quantity and payType; any other is refused.
    pub buyer_fields: &'static [&'static str],
    /// The longest a QR of this gateway may stay payable.
    pub max_expiry_ms: u64,
    /// Whether a create-order request may be resent after a dropped connection:
    /// only where the gateway answers a repeated order id with the same order.
    pub retry_on_network_error: bool,
    /// Headers whose values make a notification unique (its signature), besides the body.
    pub notify_signature_headers: &'static [&'static str],
}

/// A buyer's choice priced from the shop's catalog: everything a gateway module
/// needs to write its own order. Amounts come from the catalog only.
#[derive(Debug, Clone)]
pub struct PricedChoice<'a> {
    pub merchant_order_id: &'a str,
    pub sku: &'a str,
    pub name: &'a str,
    pub currency: &'a str,
    pub pay_type: &'a str,
    pub quantity: u64,
    pub amount: Amount,
    /// gatepay.io prices by its own product id (from the catalog offer).
    pub product_id: Option<u64>,
    pub now_ms: u64,
    /// Already capped by the gateway's `max_expiry_ms`.
    pub expires_at: u64,
    /// `{publicBaseUrl}/notify/{gateway}`.
    pub notify_url: &'a str,
    /// The payer's IP as the platform reports it (`cf-connecting-ip`), if it does.
    pub client_ip: Option<&'a str>,
    pub openid: Option<&'a str>,
    pub return_url: Option<&'a str>,
    pub cancel_url: Option<&'a str>,
}

impl PricedChoice<'_> {
    /// `{"qty":…,"sku":…}`: what gatepay.io (`custom`) and 易码付 (`attach`) carry
    /// through to their notifications, so a paid order still names what was bought.
    pub fn echo_tag(&self) -> String {
        // Fields in name order, as a JSON object map wrote them (and the notifications echo);
        // written here, so the validator entry carries no serde_json writer.
        let mut out = String::with_capacity(24 + self.sku.len());
        crate::json::ObjectWriter::new(&mut out)
            .number("qty", self.quantity)
            .text("sku", self.sku)
            .end();
        out
    }
}

/// Where a gateway module sends its order: the merchant's public settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings<'a> {
    pub base_url: &'a str,
    /// appkey / clientId / appId.
    pub id: &'a str,
}

/// What every gateway implements. Signing and verification are in
/// [`crate::signing`] (feature `edge`), reached through [`GatewayModule::signing`].
pub trait GatewayModule: Sync {
    fn facts(&self) -> &'static Facts;
    /// The gateway's order for a priced choice, validated, as its unsigned request.
    fn request_for(&self, choice: &PricedChoice, settings: &Settings) -> Result<UnsignedRequest>;
    /// [`request_for`](GatewayModule::request_for)'s order written and validated, nothing built:
    /// the page's preview, which sends nothing (building adds only checks of the merchant's settings).
    fn check_for(&self, choice: &PricedChoice) -> Result<()>;
    /// A plain order object in the gateway's own field names (camelCase), validated
    /// and normalised, as JSON text; `now_ms` bounds time-limited fields.
    fn validate_value(&self, order: &crate::json::Value, now_ms: u64) -> Result<String>;
    /// The unsigned request for a plain order object; `config` is
    /// `{ baseUrl, appkey | clientId | appId }`.
    fn build_value(
        &self,
        order: &crate::json::Value,
        config: &crate::json::Value,
        now_ms: u64,
    ) -> Result<UnsignedRequest>;
    /// HTTP status + raw body text of a create-order reply → [`Payment`] or a typed error.
    fn parse_response(&self, status: u16, body: &str) -> Result<Payment>;
    /// The buyer fields this pay type cannot do without (the page shows them).
    fn required_fields(&self, _pay_type: &str) -> &'static [&'static str] {
        &[]
    }
    #[cfg(feature = "edge")]
    fn signing(&self) -> &dyn crate::signing::Signing;
}

/// The one table.
pub fn module(gateway: Gateway) -> &'static dyn GatewayModule {
    match gateway {
        Gateway::GatepayIo => &gatepay_io::GatepayIo,
        Gateway::Gatepay => &gatepay::Gatepay,
        Gateway::Yimafu => &yimafu::Yimafu,
    }
}

/// [`GatewayModule::check_for`] and the gateway's facts, dispatched without the
/// table: through `dyn GatewayModule` every method of every module is linked in,
/// with the formatting their errors reach, so the validator entry (preview only)
/// would carry reply parsing and serde_json's error texts it never runs.
pub fn preview_check(gateway: Gateway, choice: &PricedChoice) -> Result<()> {
    match gateway {
        Gateway::GatepayIo => gatepay_io::GatepayIo.check_for(choice),
        Gateway::Gatepay => gatepay::Gatepay.check_for(choice),
        Gateway::Yimafu => yimafu::Yimafu.check_for(choice),
    }
}

/// The gateway's facts, without the table (see [`preview_check`]).
pub fn facts_of(gateway: Gateway) -> &'static Facts {
    match gateway {
        Gateway::GatepayIo => gatepay_io::GatepayIo.facts(),
        Gateway::Gatepay => gatepay::Gatepay.facts(),
        Gateway::Yimafu => yimafu::Yimafu.facts(),
    }
}

/// Every gateway's facts, for the edge glue.
pub fn facts() -> Vec<&'static Facts> {
    Gateway::ALL.iter().map(|g| module(*g).facts()).collect()
}

/// HTTP status + raw body text of a create-order reply → [`Payment`] or a typed error.
pub fn parse_response(gateway: Gateway, status: u16, body: &str) -> Result<Payment> {
    module(gateway).parse_response(status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's preview trusts `check_for` to refuse exactly what `request_for` refuses
    /// with settings that are fine: the same error, or none, for every priced choice.
    #[test]
    fn check_for_refuses_what_request_for_refuses() {
        let settings = Settings {
            base_url: "https://gateway.example",
            id: "merchant",
        };
        let long_name = "龙井茶".repeat(60);
        let now = 1_700_000_000_000;
        let (mut checked, mut refused) = (0, 0);
        for gateway in Gateway::ALL {
            let pay_types: &[&str] = match gateway {
                Gateway::GatepayIo => &["wechat", "alipay", "onecode", "paypal", ""],
                Gateway::Gatepay => &["WEB", "APP", "MINIAPP", "TV", ""],
                Gateway::Yimafu => &["20", "30", "22", "31", "99", "x", ""],
            };
            for &pay_type in pay_types {
                for quantity in [1, 2, 999] {
                    for (amount, currency) in [
                        ("29.90", "CNY"),
                        ("0.01", "USDT"),
                        ("90071992547409.91", "CNY"),
                    ] {
                        for name in ["龙井茶 250g", "", long_name.as_str()] {
                            for (client_ip, openid, return_url, product_id) in [
                                (Some("203.0.113.7"), None, None, Some(1024)),
                                (
                                    None,
                                    Some("o_buyer"),
                                    Some("https://shop.example/done"),
                                    None,
                                ),
                                (
                                    Some("not-an-ip"),
                                    Some(""),
                                    Some("javascript:alert(1)"),
                                    Some(0),
                                ),
                            ] {
                                for expires_in in [60_000, 15 * 60_000, 400 * 24 * 3_600_000] {
                                    let c = PricedChoice {
                                        merchant_order_id: "QC1700000000000ABCDEFGHIJ",
                                        sku: "tea",
                                        name,
                                        currency,
                                        pay_type,
                                        quantity,
                                        amount: Amount::parse(amount).unwrap(),
                                        product_id,
                                        now_ms: now,
                                        expires_at: now + expires_in,
                                        notify_url: "https://shop.example/notify/x",
                                        client_ip,
                                        openid,
                                        return_url,
                                        cancel_url: return_url,
                                    };
                                    let m = module(gateway);
                                    let built = m.request_for(&c, &settings).map(|_| ());
                                    assert_eq!(m.check_for(&c), built, "{gateway:?} {c:?}");
                                    checked += 1;
                                    refused += usize::from(built.is_err());
                                }
                            }
                        }
                    }
                }
            }
        }
        // Both verdicts were compared, many times each.
        assert!(
            refused > 500 && checked - refused > 100,
            "{checked} checked, {refused} refused"
        );
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest
mod echo_tests {
    use super::*;

    proptest::proptest! {
        /// The tag is byte for byte what serde_json wrote for `{qty, sku}` before, since
        /// notifications of orders placed then echo it back.
        #[test]
        fn the_echo_tag_is_written_as_serde_json_wrote_it(sku in proptest::prelude::any::<String>(), qty in 1u64..1000) {
            let choice = PricedChoice {
                merchant_order_id: "QC1", sku: &sku, name: "n", currency: "CNY", pay_type: "30",
                quantity: qty, amount: Amount::from_fen(1).unwrap(), product_id: None, now_ms: 0,
                expires_at: 0, notify_url: "https://shop.example/notify/yimafu", client_ip: None,
                openid: None, return_url: None, cancel_url: None,
            };
            let serde = serde_json::to_string(&serde_json::json!({"sku": sku, "qty": qty})).unwrap();
            proptest::prop_assert_eq!(choice.echo_tag(), serde);
        }

        /// GatePay's body is signed: written by hand, it must be serde's text byte for byte,
        /// with every optional field set or not.
        #[test]
        fn gatepay_bodies_are_written_as_serde_writes_them(
            texts in proptest::collection::vec(proptest::option::of("\\PC{0,10}"), 14),
            fen in 1u64..100_000_000_000, expire in proptest::option::of(proptest::prelude::any::<u64>()),
            pay_types in proptest::option::of(proptest::collection::vec("\\PC{0,6}", 0..3)),
        ) {
            let t = |i: usize| texts[i].clone();
            let order = gatepay::Order {
                merchant_trade_no: t(0).unwrap_or_default(),
                env: gatepay::Env { terminal_type: t(1).unwrap_or_default(), scene: t(2) },
                currency: t(3).unwrap_or_default(),
                order_amount: Amount::from_fen(fen).unwrap(),
                goods: gatepay::Goods { goods_name: t(4).unwrap_or_default(), goods_detail: t(5) },
                order_expire_time: expire,
                return_url: t(6), cancel_url: t(7), channel_id: t(8), fiat_currency: t(9),
                fiat_amount: t(10), surcharge_amount: t(11), pay_currency: t(12), pay_amount: t(13),
                chain: t(2), address: t(5), source_type: t(9), pay_types,
            };
            proptest::prop_assert_eq!(order.to_json(), serde_json::to_string(&order).unwrap());
        }

        /// `buildOrder`'s and `validateOrder`'s answers, written by hand, are serde's text.
        #[test]
        fn requests_and_normalised_orders_are_written_as_serde_writes_them(
            s in proptest::collection::vec("\\PC{0,12}", 4), n in 1u64..1000, fen in 1u64..1_000_000,
            optional in proptest::prelude::any::<bool>(),
        ) {
            let unsigned = UnsignedRequest {
                method: s[0].clone(), url: s[1].clone(), body: s[2].clone(), signing_input: s[3].clone(),
                headers: crate::request::Headers::new(&[(&s[0], &s[1]), ("content-type", &s[3])]),
            };
            proptest::prop_assert_eq!(unsigned.to_json(), serde_json::to_string(&unsigned).unwrap());
            let io = serde_json::json!({"productId": n, "productNum": n, "payType": "alipay", "outOrderId": "SO-1", "custom": s[1]});
            let text = gatepay_io::GatepayIo.validate_value(&(&io).into(), 0).unwrap();
            let order = gatepay_io::Order::from_input(&(&io).into()).unwrap();
            proptest::prop_assert_eq!(text, serde_json::to_string(&order).unwrap());
            let mut y = serde_json::json!({"outTradeNo": "T1", "payType": 30, "description": format!("d{}", s[2]), "amount": fen,
                "clientIp": "127.0.0.1", "notifyUrl": "https://shop.example/n"});
            if optional {
                y = serde_json::json!({"outTradeNo": "T1", "payType": 22, "description": format!("d{}", s[2]), "amount": fen,
                    "clientIp": "127.0.0.1", "notifyUrl": "https://shop.example/n", "timeExpire": n, "attach": s[3],
                    "openid": "o".repeat(28), "split": 1, "payExtra": "{}"});
            }
            let text = yimafu::Yimafu.validate_value(&(&y).into(), 0).unwrap();
            let order = yimafu::Order::from_input(&(&y).into()).unwrap();
            proptest::prop_assert_eq!(text, serde_json::to_string(&order).unwrap());
        }
    }
}
