//! The shop's catalog and the buyer's choice, priced. Shared by both builds: the
//! edge prices every order from its own catalog ([`crate::checkout`]), and the
//! page checks the same choice by the same rules before anything is sent
//! ([`preview`]) — the page's price is never trusted, only shown.

use crate::error::{CheckoutError, Code, Result};
use crate::gateway::{module, Facts, PricedChoice};
use crate::money::Amount;
use crate::payment::Gateway;
use crate::request::Input;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub gateway: Gateway,
    /// gatepay.io: `wechat`/`alipay`/`onecode`; GatePay: terminal types; 易码付: "20", "30"…
    pub pay_types: Vec<String>,
    /// gatepay.io prices by its own product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// Filled by the worker's public catalog: per pay type, the buyer fields it
    /// cannot do without (易码付 JSAPI → `openid`), so a page can lay out its
    /// form before it loads the validator. Ignored in the merchant's own catalog.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub required_fields: BTreeMap<String, Vec<String>>,
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
    pub fn read(v: &Value) -> Result<Choice> {
        let input = Input::new(v, "checkout")?;
        let gateway: Gateway = input.required_text("gateway")?.parse()?;
        let sku = input.required_text("sku")?;
        let pay_type = input.required_text("payType")?;
        let bad_quantity = || {
            CheckoutError::new(
                Code::InvalidQuantity,
                format!("quantity must be a whole number from 1 to {MAX_QUANTITY}"),
                format!("数量必须是 1 到 {MAX_QUANTITY} 之间的整数"),
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
                    format!("{name}: {} does not take this field", facts.gateway),
                    format!("{name}：{} 不支持此参数", facts.gateway),
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

/// The page's check of a choice, by the same rules the edge applies: priced from
/// the catalog the page was given, then written as the gateway's own order and
/// validated (with placeholder ids and addresses, since only the edge knows the
/// real ones). No request is built: nothing is sent from here, and building adds
/// only checks of the merchant's settings, which the page does not have.
pub fn preview(products: &[Product], choice: &Choice, now_ms: u64) -> Result<Quote> {
    let priced = price(products, choice)?;
    let m = module(choice.gateway);
    choice.check_fields_for(m.facts())?;
    m.check_for(&priced.choice(
        choice,
        "PREVIEW0000000000000",
        now_ms,
        now_ms + m.facts().max_expiry_ms.min(15 * 60 * 1000),
        "https://preview.invalid/notify",
        Some("192.0.2.1"), // TEST-NET-1: the page cannot know the payer's public IP
    ))
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
