//! gatepay.io (legacy) — `POST {base}/api/pay/create`, form-encoded, JSON reply.
//!
//! Request: `appkey, product_id, out_order_id, product_num, pay_type, custom, sign`
//! with `sign = md5(md5(appkey + product_id + product_num + pay_type + out_order_id + custom) + appsecret)`
//! (note: `product_num` before `pay_type` and `out_order_id`, unlike the table).
//! Reply: `{ code, msg, time, data: { order_type, order_price, order_url, order_qrcode } }`,
//! `code` 100 = success, 101–112 = the errors listed below.

use super::{Facts, GatewayModule, PricedChoice, Settings};
use crate::error::{cat, decimal, CheckoutError, Code, Result};
use crate::money::Amount;
use crate::payment::{self, check_image_data_url, Gateway, Payment, Show};
use crate::request::{self, form_encode, Input, UnsignedRequest};
use serde::Serialize;
use std::borrow::Cow;

pub const PATH: &str = "/api/pay/create";
pub const PAY_TYPES: [&str; 3] = ["wechat", "alipay", "onecode"];

/// The gateway's status codes (状态码表).
pub const CODES: [(u16, &str, &str); 13] = [
    (100, "success", "成功"),
    (101, "incomplete parameters", "参数不完整"),
    (102, "invalid pay type", "无效的支付类型"),
    (
        103,
        "WeChat Pay sells one item at a time",
        "微信支付只能单件购买",
    ),
    (104, "invalid product id", "产品编号不合法"),
    (105, "quantity must be greater than 0", "购买数量需要大于0"),
    (106, "product does not exist", "产品信息不存在"),
    (107, "shop does not exist", "商铺信息不存在"),
    (108, "invalid key", "无效的秘钥"),
    (109, "signature check failed", "签名失败"),
    (110, "not enough stock", "有效库存不足"),
    (
        111,
        "the shop's daily limit is used up",
        "商铺当日额度已用完",
    ),
    (
        112,
        "the shop's authorisation has expired",
        "商铺授权已过期",
    ),
];

fn spec_error(code: Code, gateway_code: u16, field: &str) -> CheckoutError {
    let (_, en, zh) = CODES
        .iter()
        .find(|c| c.0 == gateway_code)
        .copied()
        .unwrap_or((0, "error", "错误"));
    CheckoutError::new(code, cat(&[field, ": ", en]), cat(&[field, "：", zh]))
        .field(field)
        .gateway_code(decimal(gateway_code.into()))
}

/// `appkey` comes from [`Config`]; `sign` from the edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub product_id: u64,
    pub product_num: u64,
    /// `wechat`, `alipay` or `onecode`.
    pub pay_type: String,
    pub out_order_id: String,
    /// Free text returned in the notification's `extend` (user id, e-mail…).
    pub custom: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub base_url: String,
    pub appkey: String,
}

impl Order {
    /// Reads `{ productId, productNum, payType, outOrderId, custom }`, giving the
    /// gateway's own code for what it would refuse: 101 missing, 104 product id, 105 quantity.
    pub fn from_input(v: &crate::json::Value) -> Result<Order> {
        let input = Input::new(v, "order")?;
        let incomplete = |f: &str| spec_error(Code::MissingField, 101, f);
        let product_id = input
            .integer("productId")
            .map_err(|()| spec_error(Code::InvalidProductId, 104, "productId"))?
            .ok_or_else(|| incomplete("productId"))?;
        let product_num = input
            .integer("productNum")
            .map_err(|()| spec_error(Code::InvalidQuantity, 105, "productNum"))?
            .ok_or_else(|| incomplete("productNum"))?;
        let text = |f: &str| {
            input
                .text(f)?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| incomplete(f))
        };
        let order = Order {
            product_id,
            product_num,
            pay_type: text("payType")?,
            out_order_id: text("outOrderId")?,
            // Required by the table, but may be empty text: it is only echoed back.
            custom: input.text("custom")?.ok_or_else(|| incomplete("custom"))?,
        };
        order.validate()?;
        Ok(order)
    }

    pub fn validate(&self) -> Result<()> {
        if self.product_id == 0 {
            return Err(spec_error(Code::InvalidProductId, 104, "productId"));
        }
        if self.product_num == 0 {
            return Err(spec_error(Code::InvalidQuantity, 105, "productNum"));
        }
        if self.pay_type.is_empty() || self.out_order_id.is_empty() {
            let f = if self.pay_type.is_empty() {
                "payType"
            } else {
                "outOrderId"
            };
            return Err(spec_error(Code::MissingField, 101, f));
        }
        if !PAY_TYPES.contains(&self.pay_type.as_str()) {
            return Err(spec_error(Code::InvalidPayType, 102, "payType"));
        }
        if self.pay_type == "wechat" && self.product_num != 1 {
            return Err(spec_error(Code::WechatSingleItem, 103, "productNum"));
        }
        request::check_len("outOrderId", &self.out_order_id, 1, 64)?;
        request::check_no_control("outOrderId", &self.out_order_id)?;
        request::check_len("custom", &self.custom, 0, 255)?;
        request::check_no_control("custom", &self.custom)
    }

    /// The order a priced choice makes (not yet validated).
    fn for_choice(c: &PricedChoice) -> Result<Order> {
        Ok(Order {
            product_id: c
                .product_id
                .ok_or_else(|| CheckoutError::missing("productId"))?,
            product_num: c.quantity,
            pay_type: c.pay_type.to_owned(),
            out_order_id: c.merchant_order_id.to_owned(),
            custom: c.echo_tag(),
        })
    }

    /// The form POST, unsigned; `signing_input` is the inner concatenation.
    pub fn build(&self, config: &Config) -> Result<UnsignedRequest> {
        self.validate()?;
        if config.appkey.is_empty() {
            return Err(spec_error(Code::MissingField, 101, "appkey"));
        }
        let params = self.params(&config.appkey);
        Ok(UnsignedRequest {
            method: "POST".into(),
            url: request::endpoint(&config.base_url, PATH)?,
            headers: request::Headers::new(&[("content-type", request::FORM)]),
            body: form_encode(&params),
            signing_input: signing_input(&params),
        })
    }

    /// The wire parameters in the table's order.
    /// Borrowed where the order has the text, so building copies nothing twice.
    fn params<'a>(&'a self, appkey: &'a str) -> [(&'static str, Cow<'a, str>); 6] {
        [
            ("appkey", appkey.into()),
            ("product_id", decimal(self.product_id).into()),
            ("out_order_id", self.out_order_id.as_str().into()),
            ("product_num", decimal(self.product_num).into()),
            ("pay_type", self.pay_type.as_str().into()),
            ("custom", self.custom.as_str().into()),
        ]
    }
}

/// `appkey + product_id + product_num + pay_type + out_order_id + custom`, from the
/// wire parameters (so the edge signs exactly what will be sent).
pub fn signing_input<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    concat_fields(
        params,
        &[
            "appkey",
            "product_id",
            "product_num",
            "pay_type",
            "out_order_id",
            "custom",
        ],
    )
}

/// Notification fields in the order its signature concatenates them.
pub const NOTIFY_FIELDS: [&str; 8] = [
    "appkey",
    "order_id",
    "out_order_id",
    "price",
    "realprice",
    "type",
    "paytime",
    "extend",
];

pub fn notify_signing_input<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    concat_fields(params, &NOTIFY_FIELDS)
}

fn concat_fields<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)], order: &[&str]) -> String {
    let mut out = String::new();
    for name in order {
        if let Some((_, v)) = params.iter().find(|(k, _)| k.as_ref() == *name) {
            out.push_str(v.as_ref());
        }
    }
    out
}

/// A verified notification's fields → [`Notification`](crate::payment::Notification).
/// gatepay.io only calls back for paid orders; `price` is the order price and
/// `realprice` what the buyer paid.
#[cfg(feature = "edge")]
pub fn notification_from_fields(
    fields: &[(String, String)],
) -> Result<crate::payment::Notification> {
    let p = request::Params(fields);
    let price = |k: &str| -> Result<Option<Amount>> {
        p.get(k)
            .map(|v| {
                Amount::parse(v).map_err(|_| {
                    CheckoutError::malformed_notification(&["`", k, "` is not an exact price"])
                })
            })
            .transpose()
    };
    Ok(crate::payment::Notification {
        gateway: Gateway::GatepayIo,
        merchant_order_id: p.need("out_order_id")?,
        gateway_order_id: Some(p.need("order_id")?),
        notify_id: p.need("order_id")?,
        amount: price("price")?,
        paid_amount: price("realprice")?,
        currency: Some("CNY".into()),
        paid: true,
        status: "paid".into(),
        raw: serde_json::Value::Null, // the verifier adds the fields as received when they are kept
    })
}

/// Reads the create-order reply. 100 → the payment; 101–112 → `gateway_rejected`
/// carrying the code and the gateway's `msg`.
pub fn parse_response(status: u16, body: &str) -> Result<Payment> {
    let map = payment::read_json_object(status, body)?;
    let code = match map.string("code") {
        Some(s) => crate::error::parse_decimal(&s),
        None => map.number("code").and_then(|n| n.as_u64()),
    }
    .ok_or_else(|| CheckoutError::malformed(&["`code` is missing or not a number"]))?;
    if code != 100 {
        let msg = map.text_of("msg").unwrap_or_default();
        let known = CODES.iter().find(|c| u64::from(c.0) == code);
        let msg = if msg.is_empty() {
            known.map_or("unknown error", |c| c.1).to_owned()
        } else {
            msg
        };
        return Err(if status >= 500 {
            CheckoutError::unavailable(Some(decimal(code)), &msg)
        } else {
            CheckoutError::rejected(decimal(code), &msg)
        });
    }
    let mut inner = String::new();
    let data = match map.get("data") {
        Some(d) => payment::Object::nested(d, "data", &mut inner)?,
        None => return Err(CheckoutError::malformed(&["`data` is missing"])),
    };
    let link = data
        .text_of("order_url")
        .filter(|u| request::check_http_url("order_url", u, 2048).is_ok());
    let image = data
        .text_of("order_qrcode")
        .filter(|i| check_image_data_url(i).is_ok());
    let show = match (image, link) {
        (Some(data_url), link) => Show::QrImage { data_url, link },
        (None, Some(url)) => Show::Qr { content: url },
        (None, None) => {
            return Err(CheckoutError::malformed(&[
                "neither a usable order_url nor a safe order_qrcode",
            ]))
        }
    };
    let mut p = Payment::new(Gateway::GatepayIo, show);
    // A repeated `data` or `order_price` leaves the amount ambiguous: refused.
    if map.count("data") > 1 || data.count("order_price") > 1 {
        return Err(CheckoutError::malformed(&["`order_price` cannot be read"]));
    }
    // `order_price` is a JSON number in the spec's example (1.5): read as the digits
    // the gateway wrote, so no float ever touches the amount.
    p.amount = match data.has("order_price") {
        None => None,
        Some(raw) => Some(exact_price(
            &data.string("order_price").unwrap_or(raw.into()),
        )?),
    };
    p.currency = Some("CNY".into());
    p.pay_type = data.text_of("order_type");
    Ok(p)
}

fn exact_price(text: &str) -> Result<Amount> {
    Amount::parse(text)
        .map_err(|_| CheckoutError::malformed(&["`order_price` ", text, " is not an exact price"]))
}

/// gatepay.io as a [`GatewayModule`].
pub struct GatepayIo;

static FACTS: Facts = Facts {
    gateway: Gateway::GatepayIo,
    base_url_binding: "GATEPAY_IO_BASE_URL",
    id_binding: "GATEPAY_IO_APPKEY",
    secret_binding: "GATEPAY_IO_APPSECRET",
    secret_field: "appsecret",
    default_base_url: Some("https://gatepay.io"),
    buyer_fields: &[],
    // The spec sets no lifetime for its QR; a day bounds what the shop promises.
    max_expiry_ms: 24 * 60 * 60 * 1000,
    // A repeated out_order_id is refused or duplicated, never answered with the same order.
    retry_on_network_error: false,
    notify_signature_headers: &[],
};

impl GatewayModule for GatepayIo {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn request_for(&self, c: &PricedChoice, settings: &Settings) -> Result<UnsignedRequest> {
        Order::for_choice(c)?.build(&Config {
            base_url: settings.base_url.to_owned(),
            appkey: settings.id.to_owned(),
        })
    }

    fn check_for(&self, c: &PricedChoice) -> Result<()> {
        Order::for_choice(c)?.validate()
    }

    fn validate_value(&self, order: &crate::json::Value, _now_ms: u64) -> Result<String> {
        let o = Order::from_input(order)?;
        let mut out = String::with_capacity(96 + o.custom.len());
        crate::json::ObjectWriter::new(&mut out)
            .number("productId", o.product_id)
            .number("productNum", o.product_num)
            .text("payType", &o.pay_type)
            .text("outOrderId", &o.out_order_id)
            .text("custom", &o.custom)
            .end();
        Ok(out)
    }

    fn build_value(
        &self,
        order: &crate::json::Value,
        config: &crate::json::Value,
        _now_ms: u64,
    ) -> Result<UnsignedRequest> {
        let order = Order::from_input(order)?;
        let c = Input::new(config, "config")?;
        order.build(&Config {
            base_url: c.required_text("baseUrl")?,
            appkey: c.required_text("appkey")?,
        })
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
    use serde_json::json;
    use serde_json::Value;

    fn order() -> Value {
        json!({"productId": 1024, "productNum": 2, "payType": "alipay", "outOrderId": "SO20190420001", "custom": "uid=42;mail=a@b.cn"})
    }

    fn cfg() -> Config {
        Config {
            base_url: "https://gatepay.io".into(),
            appkey: "ak_5cbadd67774f8".into(),
        }
    }

    fn err_of(mut v: Value, key: &str, val: Value) -> CheckoutError {
        if val.is_null() {
            v.as_object_mut().unwrap().remove(key);
        } else {
            v[key] = val;
        }
        Order::from_input(&crate::json::Value::from(&v)).unwrap_err()
    }

    #[test]
    fn builds_the_signing_vector_input() {
        let req = Order::from_input(&crate::json::Value::from(&order()))
            .unwrap()
            .build(&cfg())
            .unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "https://gatepay.io/api/pay/create");
        assert_eq!(
            req.signing_input,
            "ak_5cbadd67774f810242alipaySO20190420001uid=42;mail=a@b.cn"
        );
        assert_eq!(
            req.body,
            "appkey=ak_5cbadd67774f8&product_id=1024&out_order_id=SO20190420001&product_num=2&pay_type=alipay&custom=uid%3D42%3Bmail%3Da%40b.cn"
        );
        assert_eq!(req.headers.get("content-type"), Some(request::FORM));
    }

    #[test]
    fn reproduces_the_gateway_codes_offline() {
        let cases = [
            ("outOrderId", Value::Null, "101", Code::MissingField),
            ("custom", Value::Null, "101", Code::MissingField),
            ("payType", json!(""), "101", Code::MissingField),
            ("payType", json!("unionpay"), "102", Code::InvalidPayType),
            ("payType", json!("WECHAT"), "102", Code::InvalidPayType),
            ("payType", json!("wechat"), "103", Code::WechatSingleItem),
            ("productId", json!("abc"), "104", Code::InvalidProductId),
            ("productId", json!(-3), "104", Code::InvalidProductId),
            ("productId", json!(1.5), "104", Code::InvalidProductId),
            ("productId", json!(0), "104", Code::InvalidProductId),
            ("productNum", json!(0), "105", Code::InvalidQuantity),
            ("productNum", json!(-1), "105", Code::InvalidQuantity),
            ("productNum", json!("2x"), "105", Code::InvalidQuantity),
        ];
        for (key, val, gw, code) in cases {
            let e = err_of(order(), key, val.clone());
            assert_eq!(
                (e.gateway_code.as_deref(), e.code),
                (Some(gw), code),
                "{key}={val}"
            );
            assert!(!e.message.is_empty() && !e.message_zh.is_empty());
        }
        let mut one = order();
        one["payType"] = json!("wechat");
        one["productNum"] = json!("1");
        assert!(
            Order::from_input(&crate::json::Value::from(&one)).is_ok(),
            "digits from a form are accepted"
        );
    }

    #[test]
    fn parses_the_spec_example() {
        let body = r#"{"code":100,"msg":"请求成功","time":"1555750250","data":{"order_type":"wechat","order_price":1.5,"order_url":"https://gatepay.io/pay/index?id=5cbadd67774f8&type=wechat","order_qrcode":"data:image/jpeg;base64,iVBORw0KGgoAAAANSUhEUgAAAKAAAACgAQMAAACxAfVuAAAABlBMVEX///8AAABVwtN+AAAACXBIWXMAAA7EAAAOxAGVKw4bAAAB/klEQVRIie2WMY6sMBBEyyIggwsgfA0CJK5ESGZnE3IlSwRzDSMuAJkDRP8yM7N/QlgI1xE8JOjuKpcB/tavlxLZtMyj43XViog9Bx2yAkaJzRLXeqR3wEEyoC2ToCRglMd5WDR9WeNeCBifBBTNfB6yzcTlWxOyovru/QqkHLwbh0eEXxodg3GxwF2AdP4yxAWohiCTzJQjXxvra2NPQdRG+cpsDetEDnS4ASaSs2G1Glmr9lP5Yahcx+Za5VKwVJ/YOyDNrp0pqaaWfhzeGh2FfNMyPXuRsBVpL6u5AyJl07lHN2t6fgg4BdVgZ1TGcyNTTXHvXXwJsk7x1KHu8snlaF5lHoY05sI6EUf3tL75hNUlKHa3Rp0u0bRnIRrhXa/lgaKCdi9/XoM0GPeRaAkLra/Xd1wchoNdJmdGkYXTRw3cAHdnWT5TU2hLnIRUc44jrzvGFvMz3AFrmhZxZosEI8OeycehWsF39h7IPSP9tWWuQseYaWJwZkwGtb7VPAppBhaJEmaj4bc6tdch5cgSEcaMTE+eEgGnYFw65NqlNEOr3vO8BvdfDn6BJxdj9CcVD8P976Jludw5PKvMHTCe7zxFGelFZaJZTkO2KQ7KIx8/AXgZFqmUjeUU+vEVNicg20RFM3RInr0eboFRDof4hf2Y+K/R7+Hf+uX6B3+4Ja732AjXAAAAAElFTkSuQmCC"}}"#;
        let p = parse_response(200, body).unwrap();
        assert_eq!(p.amount.map(Amount::fen), Some(150));
        assert_eq!(p.pay_type.as_deref(), Some("wechat"));
        match &p.show {
            Show::QrImage { data_url, link } => {
                assert!(data_url.starts_with("data:image/jpeg;base64,iVBOR"));
                assert_eq!(
                    link.as_deref(),
                    Some("https://gatepay.io/pay/index?id=5cbadd67774f8&type=wechat")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_codes_keep_the_gateway_message() {
        for (code, _, _) in &CODES[1..] {
            let e = parse_response(
                200,
                &format!(r#"{{"code":{code},"msg":"原因 {code}","time":"1","data":null}}"#),
            )
            .unwrap_err();
            assert_eq!(e.code, Code::GatewayRejected);
            assert_eq!(e.gateway_code.as_deref(), Some(code.to_string().as_str()));
            assert!(e.message.contains(&format!("原因 {code}")));
        }
    }

    #[test]
    fn unsafe_image_falls_back_to_the_link() {
        let body = r#"{"code":"100","data":{"order_url":"https://gatepay.io/pay/index?id=1","order_qrcode":"data:text/html;base64,PHNjcmlwdD4=","order_price":"3.00"}}"#;
        let p = parse_response(200, body).unwrap();
        assert_eq!(
            p.show,
            Show::Qr {
                content: "https://gatepay.io/pay/index?id=1".into()
            }
        );
        assert_eq!(p.amount.map(Amount::fen), Some(300));
    }
}
