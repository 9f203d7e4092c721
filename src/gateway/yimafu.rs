//! 易码付 (YiMaFu) — `POST {base}/v1/transactions/order.html`, form-encoded UTF-8.
//!
//! Signature (WeChat-Pay-v2 style): every non-empty parameter except `sign`,
//! sorted by name (ASCII), joined `k=v&…` with **raw** values, then `&key=<key>`,
//! `sign = UPPERCASE(md5_hex(…))`. Empty parameters are left out of the request too.
//! Amounts are integer fen. Reply: `{ resultCode: 200|201|500, message, Data: {
//! out_trade_no, trade_no, body, channel } }`; `channel` says how to read `body`.

use super::{Facts, GatewayModule, PricedChoice, Settings};
use crate::error::{decimal, CheckoutError, Result};
use crate::json;
use crate::money::Amount;
use crate::payment::{self, Gateway, Payment, Show};
use crate::request::{self, form_encode, Input, UnsignedRequest};
use serde::Serialize;
use std::borrow::Cow;

pub const PATH: &str = "/v1/transactions/order.html";

/// 20 WeChat native, 21 WeChat APP, 22 WeChat JSAPI, 30 Alipay scan, 31 Alipay APP,
/// 40 quick pay (scan), 50 H5 → WeChat mini-program.
pub const PAY_TYPES: [u32; 7] = [20, 21, 22, 30, 31, 40, 50];
pub const JSAPI: u32 = 22;
pub const MAX_TIME_EXPIRE_MIN: u64 = 21_600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub out_trade_no: String,
    pub pay_type: u32,
    pub description: String,
    /// Written in fen, as the spec and [`Order::from_input`] state it: the normalised
    /// order `validateOrder` answers with is itself a valid order.
    #[serde(serialize_with = "in_fen")]
    pub amount: Amount,
    pub client_ip: String,
    pub notify_url: String,
    /// Minutes, 1–21600.
    pub time_expire: Option<u64>,
    /// Echoed back verbatim in queries and notifications; JSON recommended.
    pub attach: Option<String>,
    /// Required for JSAPI (22).
    pub openid: Option<String>,
    /// 1 = split the settlement, 0 = don't (the default).
    pub split: Option<u8>,
    /// Channel-specific JSON.
    pub pay_extra: Option<String>,
}

fn in_fen<S: serde::Serializer>(amount: &Amount, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(amount.fen())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub base_url: String,
    pub app_id: String,
}

impl Order {
    pub fn from_input(v: &crate::json::Value) -> Result<Order> {
        let input = Input::new(v, "order")?;
        let bad_int = |f: &'static str, why: &'static str, zh: &'static str| {
            move |()| CheckoutError::invalid(f, why, zh)
        };
        let pay_type = input
            .integer("payType")
            .map_err(bad_int(
                "payType",
                "must be one of 20, 21, 22, 30, 31, 40, 50",
                "必须是 20、21、22、30、31、40、50 之一",
            ))?
            .ok_or_else(|| CheckoutError::missing("payType"))?;
        let amount = input
            .integer("amount")
            .map_err(|()| {
                CheckoutError::new(
                    crate::error::Code::InvalidAmount,
                    "amount must be a whole number of fen",
                    "金额必须是整数（单位：分）",
                )
                .field("amount")
            })?
            .ok_or_else(|| CheckoutError::missing("amount"))?;
        let split =
            input
                .integer("split")
                .map_err(bad_int("split", "must be 0 or 1", "必须是 0 或 1"))?;
        let order = Order {
            out_trade_no: input.required_text("outTradeNo")?,
            pay_type: u32::try_from(pay_type).unwrap_or(0),
            description: input.required_text("description")?,
            amount: Amount::from_fen(amount).map_err(|e| e.field("amount"))?,
            client_ip: input.required_text("clientIp")?,
            notify_url: input.required_text("notifyUrl")?,
            time_expire: input.integer("timeExpire").map_err(bad_int(
                "timeExpire",
                "must be 1 to 21600 minutes",
                "必须是 1 到 21600 分钟",
            ))?,
            attach: input.text("attach")?.filter(|s| !s.is_empty()),
            openid: input.text("openid")?.filter(|s| !s.is_empty()),
            split: match split {
                None => None,
                Some(s @ (0 | 1)) => Some(s as u8),
                Some(_) => {
                    return Err(CheckoutError::invalid(
                        "split",
                        "must be 0 or 1",
                        "必须是 0 或 1",
                    ))
                }
            },
            pay_extra: input.text("payExtra")?.filter(|s| !s.is_empty()),
        };
        order.validate()?;
        Ok(order)
    }

    pub fn validate(&self) -> Result<()> {
        if !PAY_TYPES.contains(&self.pay_type) {
            return Err(CheckoutError::new(
                crate::error::Code::InvalidPayType,
                "payType must be one of 20, 21, 22, 30, 31, 40, 50",
                "支付方式必须是 20、21、22、30、31、40、50 之一",
            )
            .field("payType"));
        }
        if self.amount.fen() == 0 {
            return Err(CheckoutError::new(
                crate::error::Code::InvalidAmount,
                "amount must be at least 1 fen",
                "金额至少为 1 分",
            )
            .field("amount"));
        }
        request::check_len("outTradeNo", &self.out_trade_no, 1, 32)?;
        if !self
            .out_trade_no
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'*'))
        {
            return Err(CheckoutError::invalid(
                "outTradeNo",
                "may only contain letters, digits, _, - and *",
                "只能由数字、大小写字母、_、-、* 组成",
            ));
        }
        request::check_len("description", &self.description, 1, 128)?;
        request::check_no_control("description", &self.description)?;
        if !request::is_ip_address(&self.client_ip) {
            return Err(CheckoutError::invalid(
                "clientIp",
                "must be an IPv4 or IPv6 address",
                "必须是 IPv4 或 IPv6 地址",
            ));
        }
        request::check_http_url("notifyUrl", &self.notify_url, 256)?;
        if self.notify_url.contains(['?', '#']) {
            return Err(CheckoutError::invalid(
                "notifyUrl",
                "must not carry a query string",
                "通知地址不能携带查询参数",
            ));
        }
        if let Some(t) = self.time_expire {
            if !(1..=MAX_TIME_EXPIRE_MIN).contains(&t) {
                return Err(CheckoutError::invalid(
                    "timeExpire",
                    "must be 1 to 21600 minutes",
                    "必须是 1 到 21600 分钟",
                ));
            }
        }
        if self.pay_type == JSAPI && self.openid.is_none() {
            return Err(CheckoutError::missing("openid"));
        }
        if let Some(openid) = &self.openid {
            // The buyer's own string, forwarded: WeChat issues 28 letters, digits,
            // `-` and `_` (the spec's example has 25); nothing else gets through.
            let charset = openid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !(1..=64).contains(&openid.len()) || !charset {
                return Err(CheckoutError::invalid(
                    "openid",
                    "must be 1 to 64 letters, digits, '-' or '_' (a WeChat openid)",
                    "必须是 1 到 64 位字母、数字、'-' 或 '_'（微信 openid）",
                ));
            }
        }
        for (f, v) in [("attach", &self.attach), ("payExtra", &self.pay_extra)] {
            if let Some(v) = v {
                request::check_no_control(f, v)?;
            }
        }
        Ok(())
    }

    /// The order a priced choice makes (not yet validated).
    fn for_choice(c: &PricedChoice) -> Result<Order> {
        let pay_type = crate::error::parse_decimal(c.pay_type)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                CheckoutError::new(
                    crate::error::Code::InvalidPayType,
                    "payType must be a number",
                    "支付方式必须是数字",
                )
                .field("payType")
            })?;
        // The spec requires the payer's IP; there is no honest value to invent.
        let client_ip = c.client_ip.ok_or_else(|| {
            CheckoutError::new(
                crate::error::Code::GatewayNotConfigured,
                "易码付 needs the payer's IP: the platform reported none and CLIENT_IP_FALLBACK is not set",
                "易码付需要付款人 IP：平台未提供，且未设置 CLIENT_IP_FALLBACK",
            )
            .field("clientIp")
        })?;
        Ok(Order {
            out_trade_no: c.merchant_order_id.to_owned(),
            pay_type,
            description: c.name.to_owned(),
            amount: c.amount,
            client_ip: client_ip.to_owned(),
            notify_url: c.notify_url.to_owned(),
            time_expire: Some((c.expires_at.saturating_sub(c.now_ms) / 60_000).max(1)),
            attach: Some(c.echo_tag()),
            openid: c.openid.map(str::to_owned),
            split: None,
            pay_extra: None,
        })
    }

    /// The form POST, unsigned; `signing_input` is the sorted `k=v&…` string
    /// (the edge appends `&key=…`).
    pub fn build(&self, config: &Config) -> Result<UnsignedRequest> {
        self.validate()?;
        if config.app_id.is_empty() {
            return Err(CheckoutError::missing("appId"));
        }
        let params = self.params(&config.app_id);
        Ok(UnsignedRequest {
            method: "POST".into(),
            url: request::endpoint(&config.base_url, PATH)?,
            headers: request::Headers::new(&[("content-type", request::FORM)]),
            body: form_encode(&params),
            signing_input: joined(&params),
        })
    }

    /// Non-empty wire parameters, already in signing order (names in byte order, as
    /// written here: no sort is linked into the browser build); borrowed where the
    /// order has the text.
    fn params<'a>(&'a self, app_id: &'a str) -> Vec<(&'static str, Cow<'a, str>)> {
        let text = |v: Option<&'a String>| v.map(|s| Cow::from(s.as_str()));
        let all: [(&'static str, Option<Cow<'a, str>>); 12] = [
            ("amount", Some(decimal(self.amount.fen()).into())),
            ("app_id", Some(app_id.into())),
            ("attach", text(self.attach.as_ref())),
            ("client_ip", Some(self.client_ip.as_str().into())),
            ("description", Some(self.description.as_str().into())),
            ("notify_url", Some(self.notify_url.as_str().into())),
            ("openid", text(self.openid.as_ref())),
            ("out_trade_no", Some(self.out_trade_no.as_str().into())),
            ("pay_extra", text(self.pay_extra.as_ref())),
            ("pay_type", Some(decimal(self.pay_type.into()).into())),
            ("split", self.split.map(|s| decimal(s.into()).into())),
            ("time_expire", self.time_expire.map(|t| decimal(t).into())),
        ];
        // A plain loop: `filter_map(..).collect()` over the array cost 0.3 KB of wasm.
        let mut params = Vec::with_capacity(all.len());
        for (k, v) in all {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                params.push((k, v));
            }
        }
        params
    }
}

/// The signing rule's string: non-empty parameters except `sign`, sorted by name
/// (byte order), `k=v` joined by `&`, raw values. The same rule signs notifications.
pub fn signing_input<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut kept: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .collect();
    // Equal pairs are identical, so an unstable sort gives the one order.
    kept.sort_unstable();
    joined(&kept)
}

/// `k=v` joined by `&`, in the order given: the signing string of pairs that are
/// already non-empty, without `sign` and sorted (an order's own [`Order::params`]).
fn joined<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut s = String::with_capacity(
        pairs
            .iter()
            .map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 2)
            .sum(),
    );
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(k.as_ref());
        s.push('=');
        s.push_str(v.as_ref());
    }
    s
}

/// Reads the create-order reply; `resultCode` may be a number or a string.
/// 201 is a business refusal, 500 a system error (retryable).
pub fn parse_response(status: u16, body: &str) -> Result<Payment> {
    let form_json: String;
    let map = match payment::read_json_object(status, body) {
        Ok(m) => m,
        // "form or JSON": a form reply is read into the same shape.
        Err(e) => match form_reply(body) {
            Some(json) => {
                form_json = json;
                payment::Object::parse(&form_json).ok_or(e)?
            }
            None => return Err(e),
        },
    };
    let code = map
        .text_of("resultCode")
        .ok_or_else(|| CheckoutError::malformed(&["`resultCode` is missing"]))?;
    let message = map.text_of("message").unwrap_or_default();
    match code.as_str() {
        "200" => {}
        "500" => return Err(CheckoutError::unavailable(Some(code), &message)),
        _ if status >= 500 => return Err(CheckoutError::unavailable(Some(code), &message)),
        _ => return Err(CheckoutError::rejected(code, &message)),
    }
    let mut inner = String::new();
    let data = match map.get("Data").or_else(|| map.get("data")) {
        Some(d) if !payment::is_null(d) => payment::Object::nested(d, "Data", &mut inner)?,
        _ => return Err(CheckoutError::malformed(&["`Data` is missing"])),
    };
    let channel = data.require_text("channel")?;
    let body = data.require_text("body")?;
    let show = if channel.ends_with("_qr") {
        Show::Qr { content: body }
    } else if channel.ends_with("_app") || channel.ends_with("_jsapi") {
        Show::App {
            channel: channel.clone(),
            credential: credential(&body)?,
        }
    } else if request::check_http_url("body", &body, 4096).is_ok() {
        Show::Redirect { url: body }
    } else if let Ok(c) = credential(&body) {
        Show::App {
            channel: channel.clone(),
            credential: c,
        }
    } else {
        return Err(CheckoutError::malformed(&[
            "channel `",
            &channel,
            "` with a body that is neither a URL nor a credential",
        ]));
    };
    let mut p = Payment::new(Gateway::Yimafu, show);
    p.merchant_order_id = data.text_of("out_trade_no");
    p.gateway_order_id = data.text_of("trade_no");
    p.pay_type = Some(channel);
    p.currency = Some("CNY".into());
    Ok(p)
}

/// App/JSAPI credentials are JSON objects sent as a string: kept structured.
fn credential(body: &str) -> Result<json::Value> {
    match json::parse(body) {
        Ok(v @ json::Value::Object(_)) => Ok(v.canonical()),
        _ => Err(CheckoutError::malformed(&[
            "the app credential in `body` is not a JSON object",
        ])),
    }
}

/// A form reply as the JSON text of the reply it stands for (a repeated name keeps
/// its last value, as a map keeps it; the text is only read back, so order is free).
fn form_reply(body: &str) -> Option<String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in request::form_decode(body.trim())? {
        fields.retain(|(n, _)| *n != k);
        fields.push((k, v));
    }
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    get("resultCode")?;
    let mut out = String::new();
    let mut w = json::ObjectWriter::new(&mut out);
    for (k, v) in &fields {
        w.text(k, v);
    }
    // Data either arrives as one JSON field or spread over the top level.
    if get("Data").is_none() {
        let mut data = String::new();
        let mut d = json::ObjectWriter::new(&mut data);
        let mut any = false;
        for k in ["body", "channel", "out_trade_no", "trade_no"] {
            if let Some(v) = get(k) {
                d.text(k, v);
                any = true;
            }
        }
        d.end();
        if any {
            w.raw("Data", &data);
        }
    }
    w.end();
    Some(out)
}

/// A verified notification's fields → [`Notification`](crate::payment::Notification). Paid means `trade_state == "success"`.
#[cfg(feature = "edge")]
pub fn notification_from_fields(
    fields: &[(String, String)],
) -> Result<crate::payment::Notification> {
    let p = request::Params(fields);
    let fen = |k: &str| -> Result<Option<Amount>> {
        p.get(k)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| {
                        CheckoutError::malformed_notification(&["`", k, "` is not whole fen"])
                    })
                    .and_then(Amount::from_fen)
            })
            .transpose()
    };
    let status = p.get("trade_state").unwrap_or_default().to_owned();
    let merchant_order_id = p.need("out_trade_no")?;
    let trade_no = p
        .get("trade_no")
        .or_else(|| p.get("platform_trade_no"))
        .map(str::to_owned);
    Ok(crate::payment::Notification {
        gateway: Gateway::Yimafu,
        notify_id: trade_no
            .clone()
            .unwrap_or_else(|| format!("{merchant_order_id}:{status}")),
        merchant_order_id,
        gateway_order_id: trade_no,
        amount: fen("amount")?,
        paid_amount: fen("true_amount")?,
        currency: Some("CNY".into()),
        paid: status == "success",
        status,
        raw: serde_json::Value::Null, // the verifier adds the fields as received when they are kept
    })
}

/// 易码付 as a [`GatewayModule`].
pub struct Yimafu;

static FACTS: Facts = Facts {
    gateway: Gateway::Yimafu,
    base_url_binding: "YIMAFU_BASE_URL",
    id_binding: "YIMAFU_APP_ID",
    secret_binding: "YIMAFU_KEY",
    secret_field: "key",
    // No public default: each merchant is given its own host.
    default_base_url: None,
    buyer_fields: &["openid"],
    max_expiry_ms: MAX_TIME_EXPIRE_MIN * 60_000,
    // A repeated out_trade_no with the same parameters returns the same order
    // (WeChat-Pay-v2 semantics), so a dropped connection may be retried once.
    retry_on_network_error: true,
    notify_signature_headers: &[],
};

impl GatewayModule for Yimafu {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn request_for(&self, c: &PricedChoice, settings: &Settings) -> Result<UnsignedRequest> {
        Order::for_choice(c)?.build(&Config {
            base_url: settings.base_url.to_owned(),
            app_id: settings.id.to_owned(),
        })
    }

    fn check_for(&self, c: &PricedChoice) -> Result<()> {
        Order::for_choice(c)?.validate()
    }

    fn validate_value(&self, order: &crate::json::Value, _now_ms: u64) -> Result<String> {
        let o = Order::from_input(order)?;
        let mut out = String::with_capacity(256);
        json::ObjectWriter::new(&mut out)
            .text("outTradeNo", &o.out_trade_no)
            .number("payType", o.pay_type.into())
            .text("description", &o.description)
            .number("amount", o.amount.fen())
            .text("clientIp", &o.client_ip)
            .text("notifyUrl", &o.notify_url)
            .number_or_null("timeExpire", o.time_expire)
            .text_or_null("attach", o.attach.as_deref())
            .text_or_null("openid", o.openid.as_deref())
            .number_or_null("split", o.split.map(u64::from))
            .text_or_null("payExtra", o.pay_extra.as_deref())
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
            app_id: c.required_text("appId")?,
        })
    }

    fn parse_response(&self, status: u16, body: &str) -> Result<Payment> {
        parse_response(status, body)
    }

    fn required_fields(&self, pay_type: &str) -> &'static [&'static str] {
        if crate::error::parse_decimal(pay_type) == Some(u64::from(JSAPI)) {
            &["openid"]
        } else {
            &[]
        }
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
    use crate::error::Code;
    use serde_json::json;
    use serde_json::Value;

    fn vector1() -> Value {
        json!({"outTradeNo": "1217752501201407", "payType": 20, "description": "苹果13Pro", "amount": 100,
               "clientIp": "127.0.0.1", "notifyUrl": "http://api.qdoto.com/transactions/notify.html",
               "timeExpire": 60, "attach": "{\"userId\":888,\"level\":3}"})
    }

    fn cfg() -> Config {
        Config {
            base_url: "https://ymf.example".into(),
            app_id: "app_9ba59abbe56e057f20f".into(),
        }
    }

    /// `params` is written in signing order instead of sorted: every field set, the
    /// names must already be in byte order and the string the same as sorting gives.
    #[test]
    fn params_are_written_in_signing_order() {
        let order = Order {
            out_trade_no: "T1".into(),
            pay_type: 22,
            description: "d".into(),
            amount: Amount::from_fen(1).unwrap(),
            client_ip: "127.0.0.1".into(),
            notify_url: "https://s.example/n".into(),
            time_expire: Some(5),
            attach: Some("a".into()),
            openid: Some("o".into()),
            split: Some(1),
            pay_extra: Some("{}".into()),
        };
        let params = order.params("app");
        assert_eq!(params.len(), 12);
        assert!(params.windows(2).all(|w| w[0].0 < w[1].0), "{params:?}");
        assert_eq!(joined(&params), signing_input(&params));
    }

    #[test]
    fn builds_signing_vector_1() {
        let req = Order::from_input(&crate::json::Value::from(&vector1()))
            .unwrap()
            .build(&cfg())
            .unwrap();
        assert_eq!(
            req.signing_input,
            r#"amount=100&app_id=app_9ba59abbe56e057f20f&attach={"userId":888,"level":3}&client_ip=127.0.0.1&description=苹果13Pro&notify_url=http://api.qdoto.com/transactions/notify.html&out_trade_no=1217752501201407&pay_type=20&time_expire=60"#
        );
        assert!(req.body.contains("description=%E8%8B%B9%E6%9E%9C13Pro"));
        assert!(req
            .body
            .contains("attach=%7B%22userId%22%3A888%2C%22level%22%3A3%7D"));
        assert_eq!(req.url, "https://ymf.example/v1/transactions/order.html");
    }

    #[test]
    fn builds_signing_vector_2_with_split_zero_and_no_attach() {
        let o = json!({"outTradeNo": "WX-JSAPI-0001", "payType": "22", "description": "会员月卡", "amount": "2990",
                       "clientIp": "203.0.113.7", "notifyUrl": "https://shop.example/notify/yimafu",
                       "openid": "oZwt6wvYaXMHC1mBJ0Ek0y1uU", "split": 0, "attach": ""});
        let req = Order::from_input(&crate::json::Value::from(&o))
            .unwrap()
            .build(&cfg())
            .unwrap();
        assert_eq!(
            req.signing_input,
            "amount=2990&app_id=app_9ba59abbe56e057f20f&client_ip=203.0.113.7&description=会员月卡&notify_url=https://shop.example/notify/yimafu&openid=oZwt6wvYaXMHC1mBJ0Ek0y1uU&out_trade_no=WX-JSAPI-0001&pay_type=22&split=0"
        );
        assert!(
            !req.body.contains("attach"),
            "empty parameters stay off the wire"
        );
    }

    #[test]
    fn validation() {
        let cases: Vec<(&str, Value, &str, Code)> = vec![
            ("payType", json!(23), "payType", Code::InvalidPayType),
            ("payType", json!("wx"), "payType", Code::InvalidField),
            ("amount", json!(0), "amount", Code::InvalidAmount),
            ("amount", json!(1.5), "amount", Code::InvalidAmount),
            ("amount", json!("1.00"), "amount", Code::InvalidAmount),
            ("amount", json!(-100), "amount", Code::InvalidAmount),
            ("timeExpire", json!(0), "timeExpire", Code::InvalidField),
            ("timeExpire", json!(21601), "timeExpire", Code::InvalidField),
            (
                "notifyUrl",
                json!("https://shop.example/notify?x=1"),
                "notifyUrl",
                Code::InvalidField,
            ),
            (
                "notifyUrl",
                json!("notify.html"),
                "notifyUrl",
                Code::InvalidField,
            ),
            (
                "outTradeNo",
                json!("SO 1"),
                "outTradeNo",
                Code::InvalidField,
            ),
            (
                "outTradeNo",
                json!("单号1"),
                "outTradeNo",
                Code::InvalidField,
            ),
            (
                "outTradeNo",
                json!("1".repeat(33)),
                "outTradeNo",
                Code::InvalidField,
            ),
            (
                "clientIp",
                json!("localhost"),
                "clientIp",
                Code::InvalidField,
            ),
            ("split", json!(2), "split", Code::InvalidField),
            (
                "description",
                Value::Null,
                "description",
                Code::MissingField,
            ),
        ];
        for (key, val, field, code) in cases {
            let mut o = vector1();
            if val.is_null() {
                o.as_object_mut().unwrap().remove(key);
            } else {
                o[key] = val.clone();
            }
            let e = Order::from_input(&crate::json::Value::from(&o)).unwrap_err();
            assert_eq!(
                (e.field.as_deref(), e.code),
                (Some(field), code),
                "{key}={val}"
            );
        }
        let mut jsapi = vector1();
        jsapi["payType"] = json!(22);
        let e = Order::from_input(&crate::json::Value::from(&jsapi)).unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.code),
            (Some("openid"), Code::MissingField)
        );
    }

    #[test]
    fn parses_the_spec_examples() {
        let qr = r#"{"resultCode":200,"message":"成功","Data":{"out_trade_no":"1217752501201407","trade_no":"YH2307190011178361713","channel":"alipay_qr","body":"https://qr.alipay.com/bax04775wixee8ieymjz00d8"}}"#;
        let p = parse_response(200, qr).unwrap();
        assert_eq!(
            p.show,
            Show::Qr {
                content: "https://qr.alipay.com/bax04775wixee8ieymjz00d8".into()
            }
        );
        assert_eq!(p.gateway_order_id.as_deref(), Some("YH2307190011178361713"));
        assert_eq!(p.merchant_order_id.as_deref(), Some("1217752501201407"));

        // The spec's JSAPI example, trailing comma included in the original, fixed here.
        let jsapi = r#"{"resultCode":"200","message":"成功","Data":{"out_trade_no":"1217752501201407","trade_no":"YH2307190011178361713","channel":"wx_jsapi","body":"{\"timeStamp\":\"1705286208\",\"signType\":\"RSA\",\"package\":\"prepay_id=wx151036489648973c12c386b755d62a0000\",\"paySign\":\"CV0a\",\"nonceStr\":\"1705286208306\",\"appId\":\"wx6c380e0eda7c6c71\"}"}}"#;
        match parse_response(200, jsapi).unwrap().show {
            Show::App {
                channel,
                credential,
            } => {
                assert_eq!(channel, "wx_jsapi");
                assert_eq!(
                    credential.get("package").and_then(json::Value::as_str),
                    Some("prepay_id=wx151036489648973c12c386b755d62a0000")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refusals() {
        let e = parse_response(200, r#"{"resultCode":201,"message":"app_id错误或不存在"}"#)
            .unwrap_err();
        assert_eq!(
            (e.code, e.gateway_code.as_deref()),
            (Code::GatewayRejected, Some("201"))
        );
        assert!(e.message.contains("app_id错误或不存在"));
        let e = parse_response(200, r#"{"resultCode":"500","message":"系统错误"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.gateway_code.as_deref()),
            (Code::GatewayUnavailable, Some("500"))
        );
    }

    #[test]
    fn form_replies_are_read_too() {
        let p = parse_response(200, "resultCode=200&message=ok&out_trade_no=A1&trade_no=T1&channel=wx_qr&body=weixin%3A%2F%2Fwxpay%2Fbizpayurl%3Fpr%3Dabc").unwrap();
        assert_eq!(
            p.show,
            Show::Qr {
                content: "weixin://wxpay/bizpayurl?pr=abc".into()
            }
        );
    }

    #[test]
    fn openid_is_a_wechat_openid_or_refused() {
        let order = |openid: &str| {
            Order::from_input(&crate::json::Value::from(
                &json!({"outTradeNo": "W1", "payType": 22, "description": "x", "amount": 100,
                "clientIp": "127.0.0.1", "notifyUrl": "https://s.example/n", "openid": openid}),
            ))
        };
        assert!(
            order("oZwt6wvYaXMHC1mBJ0Ek0y1uU").is_ok(),
            "the spec's example"
        );
        assert!(
            order("o6_bmjrPTlm6_2sgVt7hMZOPfL2M").is_ok(),
            "28 characters, as WeChat issues"
        );
        for bad in ["<script>", "o 1", "oZwt&amount=1", "ö1", &"o".repeat(65)] {
            let e = order(bad).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                (Code::InvalidField, Some("openid")),
                "{bad}"
            );
        }
    }
}
