//! The shop's catalog and the buyer's choice, priced. Shared by both builds: the
//! edge prices every order from its own catalog ([`crate::checkout`]), and the
//! page checks the same choice by the same rules before anything is sent
//! ([`preview`]) — the page's price is never trusted, only shown.

use crate::error::{cat, decimal, CheckoutError, Code, Result};
use crate::gateway::{facts_of, preview_check, Facts, PricedChoice};
use crate::json::{self, Value};
use crate::money::Amount;
use crate::payment::Gateway;
use crate::request::{texts, Input};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub gateway: Gateway,
    /// gatepay.io: `wechat`/`alipay`/`onecode`; GatePay: terminal types; 易码付: "20", "30"…
    pub pay_types: Vec<String>,
    /// gatepay.io prices by its own product id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// Filled by the worker's public catalog: per pay type, the buyer fields it
    /// cannot do without (易码付 JSAPI → `openid`), so a page can lay out its
    /// form before it loads the validator. Ignored in the merchant's own catalog.
    /// A map kept as a list in pay-type order (`json::put_sorted`): a `BTreeMap`'s
    /// code was 2 KB of the browser entries for a handful of entries.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_map")]
    pub required_fields: Vec<(String, Vec<String>)>,
}

/// [`Offer::required_fields`] written as the JSON object it is.
fn as_map<S: serde::Serializer>(
    pairs: &[(String, Vec<String>)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// Read by [`read_products`]; written by serde (the worker's public catalog).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub sku: String,
    pub name: String,
    /// Decimal text, e.g. "29.90".
    pub price: String,
    pub currency: String,
    pub offers: Vec<Offer>,
}

/// The catalog as JS hands it in: a list of products, read by the same rules in the
/// page and at the edge (which prices from it), so both accept exactly the same catalogs.
/// A bad product is `invalid_field` on `catalog`, its message naming where it is.
pub fn read_products(v: &Value) -> Result<Vec<Product>> {
    let Value::Array(items) = v else {
        return Err(CheckoutError::invalid(
            "catalog",
            "must be a list of products",
            "必须是商品数组",
        ));
    };
    each("catalog", items, read_product)
}

/// Reads every item of a list, an error saying which: `catalog[1]: …`. A plain loop:
/// iterator adapters collecting into a `Result` were 4 KB of the browser entries here.
fn each<T>(list: &str, items: &[Value], read: fn(&Value) -> Result<T>) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match read(item) {
            Ok(t) => out.push(t),
            Err(e) => return Err(in_catalog(&cat(&[list, "[", &decimal(i as u64), "]"]), e)),
        }
    }
    Ok(out)
}

fn read_product(v: &Value) -> Result<Product> {
    let p = Input::new(v, "product")?;
    let text = |k: &str| p.text(k)?.ok_or_else(|| CheckoutError::missing(k));
    let offers = p
        .list("offers")?
        .ok_or_else(|| CheckoutError::missing("offers"))?;
    Ok(Product {
        sku: text("sku")?,
        name: text("name")?,
        price: text("price")?,
        currency: text("currency")?,
        offers: each("offers", offers, read_offer)?,
    })
}

fn read_offer(v: &Value) -> Result<Offer> {
    let o = Input::new(v, "offer")?;
    let gateway = o
        .text("gateway")?
        .ok_or_else(|| CheckoutError::missing("gateway"))?;
    let mut required_fields = Vec::new();
    if let Some(by_pay_type) = o.object("requiredFields")? {
        for (pay_type, fields) in by_pay_type.members() {
            let fields = texts("requiredFields", fields)?;
            json::put_sorted(&mut required_fields, pay_type.clone(), fields);
        }
    }
    Ok(Offer {
        gateway: gateway.parse()?,
        pay_types: o
            .list_of_text("payTypes")?
            .ok_or_else(|| CheckoutError::missing("payTypes"))?,
        product_id: o.integer("productId").map_err(|()| {
            CheckoutError::invalid("productId", "must be a whole number", "必须是非负整数")
        })?,
        required_fields,
    })
}

/// An error inside the catalog, said where: `catalog[1]: price: must be text`. Whatever
/// the inner error, a bad catalog is `invalid_field` on `catalog`.
fn in_catalog(at: &str, e: CheckoutError) -> CheckoutError {
    CheckoutError::new(
        Code::InvalidField,
        cat(&[at, ": ", &e.message]),
        cat(&[at, "：", &e.message_zh]),
    )
    .field("catalog")
}

/// The most of one product in one order.
pub const MAX_QUANTITY: u64 = 999;

/// What the buyer chose: `{ gateway, payType, sku, quantity?, openid?, returnUrl?, cancelUrl? }`.
/// Anything said about price is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub gateway: Gateway,
    pub sku: String,
    pub pay_type: String,
    pub quantity: u64,
    pub openid: Option<String>,
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
}

impl Choice {
    pub fn read(v: &crate::json::Value) -> Result<Choice> {
        let input = Input::new(v, "checkout")?;
        let gateway: Gateway = input.required_text("gateway")?.parse()?;
        let sku = input.required_text("sku")?;
        let pay_type = input.required_text("payType")?;
        let bad_quantity = || {
            CheckoutError::new(
                Code::InvalidQuantity,
                cat(&[
                    "quantity must be a whole number from 1 to ",
                    &decimal(MAX_QUANTITY),
                ]),
                cat(&["数量必须是 1 到 ", &decimal(MAX_QUANTITY), " 之间的整数"]),
            )
            .field("quantity")
        };
        let quantity = input
            .integer("quantity")
            .map_err(|()| bad_quantity())?
            .unwrap_or(1);
        if quantity == 0 || quantity > MAX_QUANTITY {
            return Err(bad_quantity());
        }
        let optional =
            |k: &str| -> Result<Option<String>> { Ok(input.text(k)?.filter(|s| !s.is_empty())) };
        Ok(Choice {
            gateway,
            sku,
            pay_type,
            quantity,
            openid: optional("openid")?,
            return_url: optional("returnUrl")?,
            cancel_url: optional("cancelUrl")?,
        })
    }

    /// The buyer fields that are set, by their wire names.
    fn buyer_fields(&self) -> [(&'static str, Option<&str>); 3] {
        [
            ("openid", self.openid.as_deref()),
            ("returnUrl", self.return_url.as_deref()),
            ("cancelUrl", self.cancel_url.as_deref()),
        ]
    }

    /// A field the gateway does not take is refused, never dropped silently.
    pub fn check_fields_for(&self, facts: &Facts) -> Result<()> {
        for (name, value) in self.buyer_fields() {
            if value.is_some() && !facts.buyer_fields.contains(&name) {
                return Err(CheckoutError::new(
                    Code::UnsupportedField,
                    cat(&[
                        name,
                        ": ",
                        facts.gateway.as_str(),
                        " does not take this field",
                    ]),
                    cat(&[name, "：", facts.gateway.as_str(), " 不支持此参数"]),
                )
                .field(name));
            }
        }
        Ok(())
    }

    /// The URLs a buyer may be sent to, by field name.
    pub fn urls(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.buyer_fields()
            .into_iter()
            .filter(|(name, _)| *name != "openid")
            .filter_map(|(name, v)| v.map(|v| (name, v)))
    }
}

/// An error about the gateway's order, named by the buyer's field: the buyer
/// chose a quantity, not gatepay.io's `productNum` or GatePay's `orderAmount`.
pub fn in_choice_terms(mut e: CheckoutError) -> CheckoutError {
    let choice_field = match e.field.as_deref() {
        Some("productNum" | "orderAmount" | "amount") => "quantity",
        Some("terminalType" | "env") => "payType",
        _ => return e,
    };
    e.field = Some(choice_field.to_owned());
    e
}

/// A choice matched to the catalog: its product, offer and exact amount.
#[derive(Debug, Clone)]
pub struct Priced<'a> {
    pub product: &'a Product,
    pub offer: &'a Offer,
    pub amount: Amount,
}

impl<'a> Priced<'a> {
    /// What a gateway module is given: the buyer's choice at this price, under
    /// an order id, with its expiry, notification URL and the payer's IP.
    pub fn choice(
        &self,
        choice: &'a Choice,
        merchant_order_id: &'a str,
        now_ms: u64,
        expires_at: u64,
        notify_url: &'a str,
        client_ip: Option<&'a str>,
    ) -> PricedChoice<'a> {
        PricedChoice {
            merchant_order_id,
            sku: &choice.sku,
            name: &self.product.name,
            currency: &self.product.currency,
            pay_type: &choice.pay_type,
            quantity: choice.quantity,
            amount: self.amount,
            product_id: self.offer.product_id,
            now_ms,
            expires_at,
            notify_url,
            client_ip,
            openid: choice.openid.as_deref(),
            return_url: choice.return_url.as_deref(),
            cancel_url: choice.cancel_url.as_deref(),
        }
    }
}

/// Prices a choice from the catalog: the product must exist, offer the gateway
/// and the pay type; amount = unit price × quantity, exactly.
pub fn price<'a>(products: &'a [Product], choice: &Choice) -> Result<Priced<'a>> {
    let product = products
        .iter()
        .find(|p| p.sku == choice.sku)
        .ok_or_else(|| CheckoutError::invalid("sku", "is not in the catalog", "商品不存在"))?;
    let offer = product
        .offers
        .iter()
        .find(|o| o.gateway == choice.gateway)
        .ok_or_else(|| {
            CheckoutError::invalid(
                "gateway",
                "is not offered for this product",
                "该商品不支持此支付网关",
            )
        })?;
    if !offer.pay_types.contains(&choice.pay_type) {
        return Err(CheckoutError::new(
            Code::InvalidPayType,
            "this pay method is not offered for this product",
            "该商品不支持此支付方式",
        )
        .field("payType"));
    }
    let unit = Amount::parse_positive(&product.price).map_err(|e| e.field("price"))?;
    Ok(Priced {
        product,
        offer,
        amount: unit.checked_mul(choice.quantity)?,
    })
}

/// What the page may show for a valid choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub sku: String,
    pub gateway: Gateway,
    pub pay_type: String,
    pub quantity: u64,
    pub amount: Amount,
    pub currency: String,
}

impl Quote {
    /// As JSON text, written here (no serde in the validator entry), members in
    /// declaration order as serde wrote them.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(128);
        json::ObjectWriter::new(&mut out)
            .text("sku", &self.sku)
            .text("gateway", self.gateway.as_str())
            .text("payType", &self.pay_type)
            .number("quantity", self.quantity)
            .text("amount", &self.amount.to_text())
            .text("currency", &self.currency)
            .end();
        out
    }
}

/// The page's check of a choice, by the same rules the edge applies: priced from
/// the catalog the page was given, then written as the gateway's own order and
/// validated (with placeholder ids and addresses, since only the edge knows the
/// real ones). No request is built: nothing is sent from here, and building adds
/// only checks of the merchant's settings, which the page does not have.
pub fn preview(products: &[Product], choice: &Choice, now_ms: u64) -> Result<Quote> {
    let priced = price(products, choice)?;
    let facts = facts_of(choice.gateway);
    choice.check_fields_for(facts)?;
    preview_check(
        choice.gateway,
        &priced.choice(
            choice,
            "PREVIEW0000000000000",
            now_ms,
            now_ms + facts.max_expiry_ms.min(15 * 60 * 1000),
            "https://preview.invalid/notify",
            Some("192.0.2.1"), // TEST-NET-1: the page cannot know the payer's public IP
        ),
    )
    .map_err(in_choice_terms)?;
    Ok(Quote {
        sku: choice.sku.clone(),
        gateway: choice.gateway,
        pay_type: choice.pay_type.clone(),
        quantity: choice.quantity,
        amount: priced.amount,
        currency: priced.product.currency.clone(),
    })
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(text: &str) -> Result<Vec<Product>> {
        read_products(&json::parse(text).unwrap())
    }

    #[test]
    fn a_catalog_reads_with_every_optional_part() {
        let products = read(
            r#"[{"sku":"tea","name":"龙井茶","price":"29.90","currency":"CNY","extra":1,"offers":[
                {"gateway":"gatepay-io","payTypes":["wechat","alipay"],"productId":1024},
                {"gateway":"yimafu","payTypes":["22"],"productId":null,"requiredFields":{"22":["openid"]}}]},
               {"sku":"nft","name":"","price":"1.21","currency":"USDT","offers":[]}]"#,
        )
        .unwrap();
        assert_eq!(products.len(), 2);
        let tea = &products[0];
        assert_eq!(
            (tea.sku.as_str(), tea.name.as_str(), tea.price.as_str()),
            ("tea", "龙井茶", "29.90")
        );
        assert_eq!(tea.offers[0].gateway, Gateway::GatepayIo);
        assert_eq!(tea.offers[0].pay_types, ["wechat", "alipay"]);
        assert_eq!(tea.offers[0].product_id, Some(1024));
        assert_eq!(tea.offers[1].product_id, None);
        assert_eq!(
            tea.offers[1].required_fields,
            [("22".to_owned(), vec!["openid".to_owned()])]
        );
        assert!(products[1].offers.is_empty());
        // Written back as the worker's public catalog writes it (the unknown member is not kept).
        assert_eq!(
            read(&serde_json::to_string(&products).unwrap()).unwrap(),
            products
        );
    }

    #[test]
    fn a_bad_catalog_is_invalid_field_on_catalog_saying_where() {
        for (text, says) in [
            (r#"{"sku":"tea"}"#, "catalog: must be a list of products"),
            ("[1]", "catalog[0]: product: must be an object"),
            (
                r#"[{"sku":"tea","name":"t","currency":"CNY","offers":[]}]"#,
                "catalog[0]: price is required",
            ),
            (
                r#"[{"sku":"tea","name":"t","price":29.9,"currency":"CNY","offers":[]}]"#,
                "catalog[0]: price: must be text",
            ),
            (
                r#"[{"sku":"a","name":"t","price":"1","currency":"CNY","offers":[]},
                    {"sku":"b","name":"t","price":"1","currency":"CNY","offers":[{"gateway":"paypal","payTypes":[]}]}]"#,
                "catalog[1]: offers[0]: gateway must be one of gatepay-io, gatepay, yimafu",
            ),
            (
                r#"[{"sku":"a","name":"t","price":"1","currency":"CNY","offers":[{"gateway":"gatepay","payTypes":"WEB"}]}]"#,
                "catalog[0]: offers[0]: payTypes: must be a list of text",
            ),
            (
                r#"[{"sku":"a","name":"t","price":"1","currency":"CNY","offers":[{"gateway":"gatepay-io","payTypes":[],"productId":1.5}]}]"#,
                "catalog[0]: offers[0]: productId: must be a whole number",
            ),
            (
                r#"[{"sku":"a","name":"t","price":"1","currency":"CNY","offers":[{"gateway":"yimafu","payTypes":[],"requiredFields":{"22":"openid"}}]}]"#,
                "catalog[0]: offers[0]: requiredFields: must be a list of text",
            ),
        ] {
            let e = read(text).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref(), e.message.as_str()),
                (Code::InvalidField, Some("catalog"), says),
                "{text}"
            );
            assert!(
                e.message_zh.starts_with(says.split(':').next().unwrap()),
                "{e:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn a_quote_is_written_as_serde_writes_it(
            sku in any::<String>(), pay_type in any::<String>(), currency in any::<String>(),
            quantity in 1..=MAX_QUANTITY, fen in 1u64..1_000_000_000,
        ) {
            let quote = Quote {
                sku, gateway: Gateway::Yimafu, pay_type, quantity,
                amount: Amount::from_fen(fen).unwrap(), currency,
            };
            prop_assert_eq!(quote.to_json(), serde_json::to_string(&quote).unwrap());
        }
    }
}
