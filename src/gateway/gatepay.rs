//! GatePay (Gate) v1 — `POST {base}/v1/pay/order`, JSON body, `X-GatePay-*` headers.
//!
//! Signed payload: `timestamp + "\n" + nonce + "\n" + body + "\n"`, HMAC-SHA512 with the
//! secret key, lowercase hex in `X-GatePay-Signature`. Replies come in two shapes:
//! the seed's `{ code: SUCCESS|ERROR, message, data }` and the live docs'
//! `{ status: SUCCESS|FAIL, code, label, errorMessage, data }`, where `data` may be
//! an object or a JSON string.

use super::{Facts, GatewayModule, PricedChoice, Settings};
use crate::error::{cat, decimal, CheckoutError, Code, Result};
use crate::json;
use crate::money::Amount;
use crate::payment::{self, Gateway, Payment, Show};
use crate::request::{self, Input, UnsignedRequest};
use serde::Serialize;

pub const PATH: &str = "/v1/pay/order";
pub const TERMINAL_TYPES: [&str; 5] = ["WEB", "APP", "MINIAPP", "WAP", "OTHERS"];
/// Orders expire at most one hour after creation (and by default after one hour).
pub const MAX_EXPIRY_MS: u64 = 60 * 60 * 1000;
/// Server-side failures: the same request may succeed later.
pub const RETRYABLE_CODES: [&str; 3] = ["300000", "300001", "400000"];

pub const HEADER_CLIENT_ID: &str = "X-GatePay-Certificate-ClientId";
pub const HEADER_TIMESTAMP: &str = "X-GatePay-Timestamp";
pub const HEADER_NONCE: &str = "X-GatePay-Nonce";
pub const HEADER_SIGNATURE: &str = "X-GatePay-Signature";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Env {
    pub terminal_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scene: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Goods {
    pub goods_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<String>,
}

/// `PayOrderRequest`: serialises to exactly the body GatePay expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub merchant_trade_no: String,
    pub env: Env,
    pub currency: String,
    #[serde(serialize_with = "shortest_decimal")]
    pub order_amount: Amount,
    pub goods: Goods,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_expire_time: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiat_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiat_amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surcharge_amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_types: Option<Vec<String>>,
}

impl Order {
    /// The body GatePay expects, exactly as serde writes the struct (the signature
    /// covers these bytes), written by hand so no build needs serde_json for it.
    pub fn to_json(&self) -> String {
        let mut env = String::new();
        json::ObjectWriter::new(&mut env)
            .text("terminalType", &self.env.terminal_type)
            .text_if("scene", self.env.scene.as_deref())
            .end();
        let mut goods = String::new();
        json::ObjectWriter::new(&mut goods)
            .text("goodsName", &self.goods.goods_name)
            .text_if("goodsDetail", self.goods.goods_detail.as_deref())
            .end();
        let mut out = String::with_capacity(192 + goods.len());
        let mut w = json::ObjectWriter::new(&mut out);
        w.text("merchantTradeNo", &self.merchant_trade_no)
            .raw("env", &env)
            .text("currency", &self.currency)
            .text("orderAmount", &shortest(&self.order_amount))
            .raw("goods", &goods);
        if let Some(t) = self.order_expire_time {
            w.number("orderExpireTime", t);
        }
        for (name, value) in [
            ("returnUrl", &self.return_url),
            ("cancelUrl", &self.cancel_url),
            ("channelId", &self.channel_id),
            ("fiatCurrency", &self.fiat_currency),
            ("fiatAmount", &self.fiat_amount),
            ("surchargeAmount", &self.surcharge_amount),
            ("payCurrency", &self.pay_currency),
            ("payAmount", &self.pay_amount),
            ("chain", &self.chain),
            ("address", &self.address),
            ("sourceType", &self.source_type),
        ] {
            w.text_if(name, value.as_deref());
        }
        if let Some(types) = &self.pay_types {
            w.texts("payTypes", types);
        }
        w.end();
        out
    }
}

/// GatePay writes amounts as given ("1.21", "1.2", "5"); the shortest exact form is sent.
fn shortest(a: &Amount) -> String {
    let mut text = a.to_text();
    let kept = text.trim_end_matches('0').trim_end_matches('.').len();
    text.truncate(kept);
    text
}

/// [`shortest`] for serde (the struct's own serialisation, which [`Order::to_json`] matches).
fn shortest_decimal<S: serde::Serializer>(
    a: &Amount,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&shortest(a))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub base_url: String,
    pub client_id: String,
}

impl Order {
    /// The required fields; every optional one unset.
    pub fn new(
        merchant_trade_no: String,
        env: Env,
        currency: String,
        order_amount: Amount,
        goods: Goods,
    ) -> Order {
        Order {
            merchant_trade_no,
            env,
            currency,
            order_amount,
            goods,
            order_expire_time: None,
            return_url: None,
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
    }

    pub fn from_input(v: &crate::json::Value, now_ms: u64) -> Result<Order> {
        let input = Input::new(v, "order")?;
        let env = input
            .object("env")?
            .ok_or_else(|| CheckoutError::missing("env"))?;
        let goods = input
            .object("goods")?
            .ok_or_else(|| CheckoutError::missing("goods"))?;
        let amount_text = input.required_text("orderAmount")?;
        let mut f = request::Fields::default();
        let order = Order {
            merchant_trade_no: f.take(input.required_text("merchantTradeNo")),
            env: Env {
                terminal_type: f.take(env.required_text("terminalType")),
                scene: f.take(env.text("scene")),
            },
            currency: f.take(input.required_text("currency")),
            order_amount: f
                .take(
                    Amount::parse_positive(&amount_text)
                        .map(Some)
                        .map_err(|e| e.field("orderAmount")),
                )
                .unwrap_or(Amount::ZERO),
            goods: Goods {
                goods_name: f.take(goods.required_text("goodsName")),
                goods_detail: f.take(goods.text("goodsDetail")),
            },
            order_expire_time: f.take(input.integer("orderExpireTime").map_err(|()| {
                CheckoutError::invalid(
                    "orderExpireTime",
                    "must be Unix milliseconds",
                    "必须是毫秒时间戳",
                )
            })),
            return_url: f.take(input.text("returnUrl")),
            cancel_url: f.take(input.text("cancelUrl")),
            channel_id: f.take(input.text("channelId")),
            fiat_currency: f.take(input.text("fiatCurrency")),
            fiat_amount: f.take(input.text("fiatAmount")),
            surcharge_amount: f.take(input.text("surchargeAmount")),
            pay_currency: f.take(input.text("payCurrency")),
            pay_amount: f.take(input.text("payAmount")),
            chain: f.take(input.text("chain")),
            address: f.take(input.text("address")),
            source_type: f.take(input.text("sourceType")),
            pay_types: f.take(input.list_of_text("payTypes")),
        };
        f.done()?;
        order.validate(now_ms)?;
        Ok(order)
    }

    /// Every constraint of `PayOrderRequest`; `now_ms` bounds `orderExpireTime`.
    pub fn validate(&self, now_ms: u64) -> Result<()> {
        let no = &self.merchant_trade_no;
        request::check_len("merchantTradeNo", no, 5, 32)?;
        if !no
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(CheckoutError::invalid(
                "merchantTradeNo",
                "may only contain letters, digits, _ and -",
                "只能包含字母、数字、_ 和 -",
            ));
        }
        if !TERMINAL_TYPES.contains(&self.env.terminal_type.as_str()) {
            return Err(CheckoutError::invalid(
                "terminalType",
                "must be WEB, APP, MINIAPP, WAP or OTHERS",
                "必须是 WEB、APP、MINIAPP、WAP 或 OTHERS",
            ));
        }
        if self.currency.is_empty()
            || self.currency.len() > 16
            || !self
                .currency
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(CheckoutError::invalid(
                "currency",
                "must be a currency symbol such as USDT or GT",
                "必须是币种代码，如 USDT 或 GT",
            ));
        }
        if self.order_amount.fen() == 0 {
            return Err(CheckoutError::new(
                Code::InvalidAmount,
                "amount must be greater than zero",
                "金额必须大于零",
            )
            .field("orderAmount"));
        }
        request::check_len("goodsName", &self.goods.goods_name, 1, 100)?;
        if let Some(d) = &self.goods.goods_detail {
            request::check_len("goodsDetail", d, 0, 500)?;
        }
        if let Some(t) = self.order_expire_time {
            if t <= now_ms || t - now_ms > MAX_EXPIRY_MS {
                return Err(CheckoutError::invalid(
                    "orderExpireTime",
                    "must be in the future and at most 1 hour ahead",
                    "必须晚于当前时间且不超过 1 小时",
                ));
            }
        }
        for (field, url) in [
            ("returnUrl", &self.return_url),
            ("cancelUrl", &self.cancel_url),
        ] {
            if let Some(u) = url {
                request::check_http_url(field, u, 512)?;
            }
        }
        if let Some(c) = &self.channel_id {
            request::check_len("channelId", c, 0, 32)?;
        }
        Ok(())
    }

    /// The order a priced choice makes (not yet validated).
    fn for_choice(c: &PricedChoice) -> Order {
        let mut order = Order::new(
            c.merchant_order_id.to_owned(),
            Env {
                terminal_type: c.pay_type.to_owned(),
                scene: None,
            },
            c.currency.to_owned(),
            c.amount,
            Goods {
                goods_name: c.name.to_owned(),
                goods_detail: Some(cat(&[c.sku, " × ", &decimal(c.quantity)])),
            },
        );
        order.order_expire_time = Some(c.expires_at);
        order.return_url = c.return_url.map(str::to_owned);
        order.cancel_url = c.cancel_url.map(str::to_owned);
        order
    }

    /// The JSON POST, unsigned: `signing_input` is the body, the exact bytes to sign.
    pub fn build(&self, config: &Config, now_ms: u64) -> Result<UnsignedRequest> {
        self.validate(now_ms)?;
        if config.client_id.is_empty() {
            return Err(CheckoutError::missing("clientId"));
        }
        let body = self.to_json();
        Ok(UnsignedRequest {
            method: "POST".into(),
            url: request::endpoint(&config.base_url, PATH)?,
            headers: request::Headers::new(&[
                ("content-type", request::JSON),
                (HEADER_CLIENT_ID, &config.client_id),
            ]),
            signing_input: body.clone(),
            body,
        })
    }
}

/// The payload the signature covers: `timestamp\nnonce\nbody\n`.
pub fn signing_payload(timestamp: &str, nonce: &str, body: &str) -> String {
    signing_parts(timestamp, nonce, body).concat()
}

/// [`signing_payload`] in its parts, for a hash fed without joining them first.
pub fn signing_parts<'a>(timestamp: &'a str, nonce: &'a str, body: &'a str) -> [&'a str; 6] {
    [timestamp, "\n", nonce, "\n", body, "\n"]
}

/// A nonce as GatePay wants it: 1–32 letters and digits.
pub fn check_nonce(nonce: &str) -> Result<()> {
    if nonce.is_empty() || nonce.len() > 32 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CheckoutError::invalid(
            "nonce",
            "must be 1 to 32 letters or digits",
            "必须是 1 到 32 位字母或数字",
        ));
    }
    Ok(())
}

/// Reads either reply shape. Server-side codes (300000, 300001, 400000) and HTTP 5xx
/// are `gateway_unavailable`; other refusals are `gateway_rejected` with GatePay's code.
pub fn parse_response(status: u16, body: &str) -> Result<Payment> {
    let map = payment::read_json_object(status, body)?;
    let code = map.text_of("code");
    let ok = match map.get("status") {
        // Live shape: status decides; code is "000000" or null on success.
        Some(_) => match map.string("status") {
            Some(s) => s == "SUCCESS",
            None => return Err(CheckoutError::malformed(&["`status` is not text"])),
        },
        // Seed shape: code is SUCCESS or ERROR.
        None => match code.as_deref() {
            Some("SUCCESS") => true,
            Some(_) => false,
            None => {
                return Err(CheckoutError::malformed(&[
                    "neither `status` nor `code` is present",
                ]))
            }
        },
    };
    if !ok {
        let message = ["errorMessage", "message", "label"]
            .iter()
            .find_map(|k| map.text_of(k).filter(|m| !m.is_empty()))
            .unwrap_or_else(|| "no message".into());
        let code = code.unwrap_or_else(|| "FAIL".into());
        return Err(
            if status >= 500 || RETRYABLE_CODES.contains(&code.as_str()) {
                CheckoutError::unavailable(Some(code), &message)
            } else {
                CheckoutError::rejected(code, &message)
            },
        );
    }
    let mut inner = String::new();
    let data = match map.has("data") {
        Some(d) => payment::Object::nested(d, "data", &mut inner)?,
        None => return Err(CheckoutError::malformed(&["`data` is missing"])),
    };
    let prepay_id = data.require_text("prepayId")?;
    let terminal = data.text_of("terminalType");
    // Checkout orders carry a QR payload and a cashier URL; a plain order only the
    // prepay id the Gate app takes.
    let show = if let Some(q) = data.text_of("qrContent").filter(|q| !q.is_empty()) {
        Show::Qr { content: q }
    } else if let Some(u) = data
        .text_of("location")
        .filter(|u| request::check_http_url("location", u, 2048).is_ok())
    {
        Show::Redirect { url: u }
    } else {
        Show::App {
            channel: "gatepay".into(),
            credential: crate::json::Value::Object(vec![
                (
                    "prepayId".into(),
                    crate::json::Value::String(prepay_id.clone()),
                ),
                (
                    "terminalType".into(),
                    terminal
                        .clone()
                        .map_or(crate::json::Value::Null, crate::json::Value::String),
                ),
            ]),
        }
    };
    let mut p = Payment::new(Gateway::Gatepay, show);
    p.gateway_order_id = Some(prepay_id);
    p.merchant_order_id = data.text_of("merchantTradeNo");
    p.expires_at = data.millis_of("expireTime")?;
    p.pay_type = terminal;
    p.currency = data.text_of("currency");
    p.amount = match data.text_of("orderAmount") {
        Some(a) => Some(
            Amount::parse(&a)
                .map_err(|_| CheckoutError::malformed(&["`orderAmount` is not an exact amount"]))?,
        ),
        None => None,
    };
    Ok(p)
}

/// Reads a verified notification body: `{ bizType, bizId, bizStatus, client_id, data }`
/// where `data` is a JSON string to parse again.
#[cfg(feature = "edge")]
pub fn parse_notification(body: &str, keep_raw: bool) -> Result<crate::payment::Notification> {
    let map = payment::Object::parse(body)
        .ok_or_else(|| CheckoutError::malformed_notification(&["the body is not a JSON object"]))?;
    let field = |k: &str| {
        map.text_of(k)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| CheckoutError::malformed_notification(&["`", k, "` is missing"]))
    };
    let status = field("bizStatus")?;
    let biz_id = field("bizId")?;
    let mut inner = String::new();
    let data = map
        .get("data")
        .ok_or_else(|| CheckoutError::malformed_notification(&["`data` is missing"]))
        .and_then(|d| {
            payment::Object::nested(d, "data", &mut inner)
                .map_err(|e| CheckoutError::malformed_notification(&[&e.message]))
        })?;
    let merchant_order_id = data
        .text_of("merchantTradeNo")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            CheckoutError::malformed_notification(&["`data.merchantTradeNo` is missing"])
        })?;
    let amount = |k: &str| -> Result<Option<Amount>> {
        data.text_of(k)
            .map(|a| {
                Amount::parse(&a).map_err(|_| {
                    CheckoutError::malformed_notification(&["`", k, "` is not an exact amount"])
                })
            })
            .transpose()
    };
    Ok(crate::payment::Notification {
        gateway: Gateway::Gatepay,
        merchant_order_id,
        gateway_order_id: data
            .text_of("prepayId")
            .or_else(|| data.text_of("transactionId")),
        amount: amount("orderAmount")?,
        paid_amount: amount("totalFee").ok().flatten(),
        currency: data.text_of("currency"),
        paid: status == "PAY_SUCCESS",
        status,
        notify_id: biz_id,
        raw: if keep_raw {
            let top = map.to_value();
            serde_json::json!({ "bizType": top.get("bizType"), "bizId": top.get("bizId"), "bizStatus": top.get("bizStatus"), "clientId": top.get("client_id"), "data": data.to_value() })
        } else {
            serde_json::Value::Null
        },
    })
}

/// GatePay v1 as a [`GatewayModule`].
pub struct Gatepay;

static FACTS: Facts = Facts {
    gateway: Gateway::Gatepay,
    base_url_binding: "GATEPAY_BASE_URL",
    id_binding: "GATEPAY_CLIENT_ID",
    secret_binding: "GATEPAY_SECRET_KEY",
    secret_field: "secretKey",
    default_base_url: Some("https://openplatform.gateapi.io"),
    buyer_fields: &["returnUrl", "cancelUrl"],
    max_expiry_ms: MAX_EXPIRY_MS,
    // A repeated merchantTradeNo is refused (400201): never resend blindly.
    retry_on_network_error: false,
    notify_signature_headers: &[HEADER_SIGNATURE, HEADER_NONCE],
};

impl GatewayModule for Gatepay {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn request_for(&self, c: &PricedChoice, settings: &Settings) -> Result<UnsignedRequest> {
        Order::for_choice(c).build(
            &Config {
                base_url: settings.base_url.to_owned(),
                client_id: settings.id.to_owned(),
            },
            c.now_ms,
        )
    }

    fn check_for(&self, c: &PricedChoice) -> Result<()> {
        Order::for_choice(c).validate(c.now_ms)
    }

    fn validate_value(&self, order: &crate::json::Value, now_ms: u64) -> Result<String> {
        Ok(Order::from_input(order, now_ms)?.to_json())
    }

    fn build_value(
        &self,
        order: &crate::json::Value,
        config: &crate::json::Value,
        now_ms: u64,
    ) -> Result<UnsignedRequest> {
        let order = Order::from_input(order, now_ms)?;
        let c = Input::new(config, "config")?;
        order.build(
            &Config {
                base_url: c.required_text("baseUrl")?,
                client_id: c.required_text("clientId")?,
            },
            now_ms,
        )
    }

    fn parse_response(&self, status: u16, body: &str) -> Result<Payment> {
        parse_response(status, body)
    }

    #[cfg(feature = "edge")]
    fn signing(&self) -> &dyn crate::signing::Signing {
        self
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest and python3
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const NOW: u64 = 1_672_905_655_498;

    fn order() -> Value {
        json!({"merchantTradeNo": "22212345678555", "env": {"terminalType": "APP"}, "currency": "GT", "orderAmount": "1.21",
               "goods": {"goodsName": "NF2T", "goodsDetail": "123444"}})
    }

    #[test]
    fn builds_the_signing_vector_body() {
        let req = Order::from_input(&crate::json::Value::from(&order()), NOW)
            .unwrap()
            .build(
                &Config {
                    base_url: "https://openplatform.gateapi.io".into(),
                    client_id: "cid".into(),
                },
                NOW,
            )
            .unwrap();
        // Byte for byte the body of SIGNING.md's third GatePay vector.
        assert_eq!(
            req.body,
            r#"{"merchantTradeNo":"22212345678555","env":{"terminalType":"APP"},"currency":"GT","orderAmount":"1.21","goods":{"goodsName":"NF2T","goodsDetail":"123444"}}"#
        );
        assert_eq!(req.signing_input, req.body);
        assert_eq!(req.url, "https://openplatform.gateapi.io/v1/pay/order");
        assert_eq!(req.headers.get(HEADER_CLIENT_ID), Some("cid"));
        assert_eq!(signing_payload("1", "n", "{}"), "1\nn\n{}\n");
    }

    #[test]
    fn validation() {
        let cases: Vec<(&str, Value, &str, Code)> = vec![
            (
                "merchantTradeNo",
                json!("1234"),
                "merchantTradeNo",
                Code::InvalidField,
            ),
            (
                "merchantTradeNo",
                json!("x".repeat(33)),
                "merchantTradeNo",
                Code::InvalidField,
            ),
            (
                "merchantTradeNo",
                json!("order#1234"),
                "merchantTradeNo",
                Code::InvalidField,
            ),
            (
                "merchantTradeNo",
                json!("订单12345"),
                "merchantTradeNo",
                Code::InvalidField,
            ),
            (
                "merchantTradeNo",
                Value::Null,
                "merchantTradeNo",
                Code::MissingField,
            ),
            (
                "orderAmount",
                json!("1.234"),
                "orderAmount",
                Code::InvalidAmount,
            ),
            (
                "orderAmount",
                json!("0"),
                "orderAmount",
                Code::InvalidAmount,
            ),
            (
                "orderAmount",
                json!("-1"),
                "orderAmount",
                Code::InvalidAmount,
            ),
            (
                "orderAmount",
                json!(1.21),
                "orderAmount",
                Code::InvalidField,
            ),
            (
                "env",
                json!({"terminalType": "PC"}),
                "terminalType",
                Code::InvalidField,
            ),
            ("env", json!({}), "terminalType", Code::MissingField),
            (
                "goods",
                json!({"goodsName": "x".repeat(101)}),
                "goodsName",
                Code::InvalidField,
            ),
            (
                "goods",
                json!({"goodsName": "ok", "goodsDetail": "d".repeat(501)}),
                "goodsDetail",
                Code::InvalidField,
            ),
            (
                "returnUrl",
                json!("ftp://x/y"),
                "returnUrl",
                Code::InvalidField,
            ),
            (
                "cancelUrl",
                json!(format!("https://a.example/{}", "x".repeat(500))),
                "cancelUrl",
                Code::InvalidField,
            ),
            (
                "orderExpireTime",
                json!(NOW + MAX_EXPIRY_MS + 1),
                "orderExpireTime",
                Code::InvalidField,
            ),
            (
                "orderExpireTime",
                json!(NOW - 1),
                "orderExpireTime",
                Code::InvalidField,
            ),
            ("currency", json!("usdt"), "currency", Code::InvalidField),
            (
                "channelId",
                json!("c".repeat(33)),
                "channelId",
                Code::InvalidField,
            ),
        ];
        for (key, val, field, code) in cases {
            let mut o = order();
            if val.is_null() {
                o.as_object_mut().unwrap().remove(key);
            } else {
                o[key] = val.clone();
            }
            let e = Order::from_input(&crate::json::Value::from(&o), NOW).unwrap_err();
            assert_eq!(
                (e.field.as_deref(), e.code),
                (Some(field), code),
                "{key}={val}"
            );
        }
        let mut ok = order();
        ok["orderExpireTime"] = json!(NOW + MAX_EXPIRY_MS);
        ok["goods"]["goodsName"] = json!("商".repeat(100));
        assert!(
            Order::from_input(&crate::json::Value::from(&ok), NOW).is_ok(),
            "limits are inclusive and count characters"
        );
    }

    /// With several fields wrong, the error names the first one read, as a `?` per field did
    /// before the fields' errors were kept (`request::Fields`) and returned after all of them.
    #[test]
    fn the_first_wrong_field_in_reading_order_is_reported() {
        let cases: [(&[(&str, Value)], &str); 4] = [
            (
                &[
                    ("merchantTradeNo", Value::Null),
                    ("returnUrl", json!(true)),
                    ("payTypes", json!("x")),
                ],
                "merchantTradeNo",
            ),
            (
                &[("returnUrl", json!(true)), ("payTypes", json!("x"))],
                "returnUrl",
            ),
            (
                &[("currency", Value::Null), ("orderAmount", json!("1.234"))],
                "currency",
            ),
            (
                &[
                    ("orderAmount", json!("1.234")),
                    ("orderExpireTime", json!("soon")),
                ],
                "orderAmount",
            ),
        ];
        for (changes, first) in cases {
            let mut o = order();
            for (key, val) in changes {
                if val.is_null() {
                    o.as_object_mut().unwrap().remove(*key);
                } else {
                    o[*key] = val.clone();
                }
            }
            let e = Order::from_input(&crate::json::Value::from(&o), NOW).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(first), "{changes:?}");
        }
    }

    #[test]
    fn parses_both_reply_shapes() {
        let seed = r#"{"code":"SUCCESS","message":"订单创建成功","data":{"prepayId":"GATE202400001","terminalType":"APP","expireTime":1672909255498}}"#;
        let p = parse_response(200, seed).unwrap();
        assert_eq!(p.gateway_order_id.as_deref(), Some("GATE202400001"));
        assert_eq!(p.expires_at, Some(1_672_909_255_498));
        assert!(
            matches!(&p.show, Show::App { credential, .. } if credential.get("prepayId").and_then(crate::json::Value::as_str) == Some("GATE202400001"))
        );

        let live = r#"{"status":"SUCCESS","code":"000000","label":"","errorMessage":"","data":"{\"prepayId\":\"P1\",\"terminalType\":\"WEB\",\"expireTime\":\"1672909255498\",\"qrContent\":\"https://pay.gate.io/qr/P1\",\"location\":\"https://pay.gate.io/c/P1\"}"}"#;
        let p = parse_response(200, live).unwrap();
        assert_eq!(
            p.show,
            Show::Qr {
                content: "https://pay.gate.io/qr/P1".into()
            }
        );
        assert_eq!(p.expires_at, Some(1_672_909_255_498));

        let live_null_code = r#"{"status":"SUCCESS","code":null,"data":{"prepayId":"P2","location":"https://pay.gate.io/c/P2"}}"#;
        assert_eq!(
            parse_response(200, live_null_code).unwrap().show,
            Show::Redirect {
                url: "https://pay.gate.io/c/P2".into()
            }
        );
    }

    #[test]
    fn refusals_keep_code_and_message() {
        let e = parse_response(400, r#"{"status":"FAIL","code":"400002","label":"INVALID_SIGNATURE","errorMessage":"Incorrect signature result"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.gateway_code.as_deref()),
            (Code::GatewayRejected, Some("400002"))
        );
        assert!(e.message.contains("Incorrect signature result"));
        let e = parse_response(
            200,
            r#"{"status":"FAIL","code":"300001","errorMessage":"busy"}"#,
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.gateway_code.as_deref()),
            (Code::GatewayUnavailable, Some("300001"))
        );
        let e = parse_response(
            200,
            r#"{"code":"ERROR","message":"duplicate merchantTradeNo"}"#,
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.gateway_code.as_deref()),
            (Code::GatewayRejected, Some("ERROR"))
        );
    }
}
