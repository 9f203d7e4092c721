//! Exports of the worker build only (feature `edge`): signing and callback
//! verification. Secrets arrive from the worker's env bindings per call and are
//! never stored.

use super::{
    from_js, from_json, gateway, optional_from_js, read_js, to_js, to_json, IntoJsResult, JsResult,
};
use crate::error::{CheckoutError, Code};
use crate::gateway::{gatepay_io, yimafu};
use crate::json;
use crate::payment::Gateway;
use crate::request::UnsignedRequest;
use crate::signing::{self, IncomingNotification, Secret, SignOptions, VerifyOptions};
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// A secret given as a string, or as `{ appsecret } | { secretKey } | { key }`.
fn secret(g: Gateway, value: &JsValue) -> JsResult<Secret> {
    let name = crate::gateway::module(g).facts().secret_field;
    let text = match value.as_string() {
        Some(s) => s,
        None => js_sys::Reflect::get(value, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
    };
    Secret::new(text, name).js()
}

/// Wire parameters `{ name: string | integer }` → pairs.
fn params(value: JsValue) -> JsResult<Vec<(String, String)>> {
    let v: Value = from_js(value, "params", Code::InvalidField)?;
    let Value::Object(map) = v else {
        return Err(CheckoutError::invalid(
            "params",
            "must be an object",
            "必须是对象",
        ))
        .js();
    };
    map.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            Value::Number(n) if n.is_u64() || n.is_i64() => Ok((k, n.to_string())),
            Value::Null => Ok((k, String::new())),
            _ => Err(CheckoutError::invalid(
                &k,
                "must be text or a whole number",
                "必须是字符串或整数",
            )),
        })
        .collect::<Result<_, _>>()
        .js()
}

/// Applies the gateway's signature to an unsigned request from `buildOrder`.
/// `opts` is `{ timestamp, nonce }` (GatePay only).
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(
    gateway_name: &str,
    unsigned: JsValue,
    secrets: JsValue,
    opts: JsValue,
) -> JsResult<JsValue> {
    let g = gateway(gateway_name)?;
    let req: UnsignedRequest = from_js(unsigned, "unsigned", Code::InvalidField)?;
    let opts: SignOptions = optional_from_js(opts, "opts")?.unwrap_or_default();
    to_js(&signing::sign_request(g, &req, &secret(g, &secrets)?, &opts).js()?)
}

/// Verifies `{ headers, body, query }` and returns the `Notification`, or throws
/// (`bad_signature`, `stale_timestamp`, `malformed_notification`). `opts`: `{ now, windowMs }`.
#[wasm_bindgen(js_name = verifyNotify)]
pub fn verify_notify(
    gateway_name: &str,
    incoming: JsValue,
    secrets: JsValue,
    opts: JsValue,
) -> JsResult<JsValue> {
    let g = gateway(gateway_name)?;
    let n: IncomingNotification = from_js(incoming, "notification", Code::MalformedNotification)?;
    let opts: VerifyOptions = optional_from_js(opts, "opts")?.unwrap_or_else(|| VerifyOptions {
        now: super::now_ms(),
        window_ms: signing::DEFAULT_WINDOW_MS,
        keep_raw: true,
    });
    to_js(&signing::verify_notification(g, &n, &secret(g, &secrets)?, &opts).js()?)
}

/// `{ status, contentType, body }` to answer the gateway after a handled notification.
#[wasm_bindgen(js_name = notifyReply)]
pub fn notify_reply(gateway_name: &str, yimafu_body: Option<String>) -> JsResult<JsValue> {
    to_js(&signing::notify_reply(
        gateway(gateway_name)?,
        yimafu_body.as_deref(),
    ))
}

/// gatepay.io: lowercase hex. Order parameters, or notification parameters when
/// `order_id` is present (the two rules concatenate different fields).
#[wasm_bindgen(js_name = signGatepayIo)]
pub fn sign_gatepay_io(params_obj: JsValue, appsecret: &str) -> JsResult<String> {
    let p = params(params_obj)?;
    let inner = if p.iter().any(|(k, _)| k == "order_id") {
        gatepay_io::notify_signing_input(&p)
    } else {
        gatepay_io::signing_input(&p)
    };
    Ok(signing::sign_gatepay_io(
        &inner,
        &Secret::new(appsecret, "appsecret").js()?,
    ))
}

/// GatePay v1: lowercase hex HMAC-SHA512 of `timestamp\nnonce\nbody\n`.
#[wasm_bindgen(js_name = signGatepay)]
pub fn sign_gatepay(
    timestamp: JsValue,
    nonce: &str,
    body: &str,
    secret_key: &str,
) -> JsResult<String> {
    let ts = match (timestamp.as_string(), timestamp.as_f64()) {
        (Some(s), _) => s,
        (None, Some(n)) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 => {
            format!("{}", n as u64)
        }
        _ => {
            return Err(CheckoutError::invalid(
                "timestamp",
                "must be Unix milliseconds",
                "必须是毫秒时间戳",
            ))
            .js()
        }
    };
    Ok(signing::sign_gatepay(
        &ts,
        nonce,
        body,
        &Secret::new(secret_key, "secretKey").js()?,
    ))
}

/// 易码付: uppercase hex over the sorted non-empty parameters + `&key=`.
#[wasm_bindgen(js_name = signYimafu)]
pub fn sign_yimafu(params_obj: JsValue, key: &str) -> JsResult<String> {
    let p = params(params_obj)?;
    Ok(signing::sign_yimafu(
        &yimafu::signing_input(&p),
        &Secret::new(key, "key").js()?,
    ))
}

// ---- the merchant's side: catalog pricing and order states (see `checkout`) ----

use crate::checkout::{self, Merchant, OrderRecord, Plan, Product};
use crate::payment::Notification;

/// What the JS glue needs to know about each gateway (env binding names, retry
/// rule, signature headers, limits) and the notification window default.
#[wasm_bindgen(js_name = gatewayFacts)]
pub fn gateway_facts() -> JsResult<JsValue> {
    to_js(&serde_json::json!({
        "gateways": crate::gateway::facts(),
        "notifyWindowMs": signing::DEFAULT_WINDOW_MS,
    }))
}

/// The products of a catalog handed in by JS, read as the page reads them.
fn catalog_from_js(catalog: JsValue) -> JsResult<Vec<Product>> {
    crate::catalog::read_products(&read_js(catalog, "catalog", Code::InvalidField)?).js()
}

/// The shop's public settings from the worker's text bindings (see `Merchant::from_env`).
#[wasm_bindgen(js_name = merchantFromEnv)]
pub fn merchant_from_env(env: JsValue) -> JsResult<JsValue> {
    let env: std::collections::BTreeMap<String, String> = from_js(env, "env", Code::InvalidField)?;
    to_js(&Merchant::from_env(&env))
}

/// What a shop's catalog shows: only the gateways this shop has configured.
#[wasm_bindgen(js_name = publicCatalog)]
pub fn public_catalog(catalog: JsValue, merchant: JsValue) -> JsResult<JsValue> {
    let products = catalog_from_js(catalog)?;
    let merchant: Merchant = from_js(merchant, "merchant", Code::InvalidField)?;
    to_js(&checkout::public_catalog(&products, &merchant))
}

/// A fresh merchant order id (`QC…`) from the time and 10 random characters,
/// or, given the SHA-256 hex of an `Idempotency-Key`, the key's own id (`QK…`).
#[wasm_bindgen(js_name = orderId)]
pub fn order_id(now: f64, entropy: &str, key_digest: Option<String>) -> JsResult<String> {
    match key_digest {
        Some(d) => checkout::keyed_order_id(&d),
        None => checkout::merchant_order_id(now as u64, entropy),
    }
    .js()
}

/// Prices `{ gateway, payType, sku, quantity, clientIp?, openid? }` from the catalog
/// and returns the plan: amount, expiry and the unsigned request for `merchantOrderId`.
#[wasm_bindgen(js_name = planCheckout)]
pub fn plan_checkout(
    catalog: JsValue,
    merchant: JsValue,
    request: JsValue,
    now: f64,
    merchant_order_id: &str,
) -> JsResult<JsValue> {
    let products = catalog_from_js(catalog)?;
    let merchant: Merchant = from_js(merchant, "merchant", Code::InvalidField)?;
    let request = read_js(request, "checkout", Code::InvalidField)?;
    to_js(
        &checkout::plan(
            &products,
            &merchant,
            &request,
            now as u64,
            merchant_order_id,
        )
        .js()?,
    )
}

/// The write-ahead record (state `creating`), stored before the gateway is called.
#[wasm_bindgen(js_name = creatingOrder)]
pub fn creating_order(plan: JsValue) -> JsResult<JsValue> {
    let plan: Plan = from_js(plan, "plan", Code::InvalidField)?;
    to_js(&OrderRecord::creating(&plan))
}

/// Parses the gateway's create-order reply for a plan into the `Payment` to show.
#[wasm_bindgen(js_name = paymentFor)]
pub fn payment_for(plan: JsValue, http_status: u16, body_text: &str) -> JsResult<JsValue> {
    let plan: Plan = from_js(plan, "plan", Code::InvalidField)?;
    to_js(&checkout::payment_for(&plan, http_status, body_text).js()?)
}

/// The record once the gateway answered: `creating` → `pending` with its payment.
#[wasm_bindgen(js_name = openOrder)]
pub fn open_order(order: JsValue, payment: JsValue) -> JsResult<JsValue> {
    let order: OrderRecord = from_js(order, "order", Code::InvalidField)?;
    let payment: Value = from_js(payment, "payment", Code::InvalidField)?;
    to_js(&checkout::open(&order, payment))
}

/// The record once the gateway call failed: `creating` → `failed`, others unchanged.
#[wasm_bindgen(js_name = failOrder)]
pub fn fail_order(order: JsValue) -> JsResult<JsValue> {
    let order: OrderRecord = from_js(order, "order", Code::InvalidField)?;
    to_js(&checkout::fail(&order))
}

/// At the order's alarm: the expired record, or `null` when nothing changes.
#[wasm_bindgen(js_name = expireOrder)]
pub fn expire_order(order: JsValue, now: f64) -> JsResult<JsValue> {
    let order: OrderRecord = from_js(order, "order", Code::InvalidField)?;
    to_js(&checkout::expire(&order, now as u64))
}

/// `{ order, changed }` after a verified notification; throws when it does not fit the order.
#[wasm_bindgen(js_name = applyNotification)]
pub fn apply_notification(order: JsValue, notification: JsValue, now: f64) -> JsResult<JsValue> {
    let order: OrderRecord = from_js(order, "order", Code::InvalidField)?;
    let n: Notification = from_js(notification, "notification", Code::MalformedNotification)?;
    to_js(&checkout::apply(&order, &n, now as u64).js()?)
}

/// `applyNotification` over JSON text, for the worker's path: the notification
/// arrives as `Shop.verifyNotify` wrote it (never parsed into JS objects and written
/// back out in between), and only the fields that may change go back
/// (`{ changed, state, paidAt, gatewayOrderId, notifyIds }`), merged into the record by the caller.
#[wasm_bindgen(js_name = applyVerified)]
pub fn apply_verified(order_json: &str, notification_json: &str, now: f64) -> JsResult<String> {
    // Read as `applyNotification` reads its arguments: the same typed errors.
    let order: OrderRecord = from_json(order_json, "order", Code::InvalidField)?;
    let n: Notification = from_json(
        notification_json,
        "notification",
        Code::MalformedNotification,
    )?;
    to_json(&checkout::apply(&order, &n, now as u64).js()?.changes())
}

/// The state a poll sees now (`pending` turns `expired` after the expiry).
#[wasm_bindgen(js_name = orderState)]
pub fn order_state(order: JsValue, now: f64) -> JsResult<JsValue> {
    let order: OrderRecord = from_js(order, "order", Code::InvalidField)?;
    to_js(&order.state_at(now as u64))
}

// ---- the hot path: one call per step, the shop read once per isolate ----

/// The worker's shop — catalog, public settings and secrets — read once from the
/// env and kept in the module, so `checkout` and `verifyNotify` are one call each
/// with JSON text in and out (bench/README.md: the per-call conversions were the cost).
#[wasm_bindgen(js_name = Shop)]
pub struct JsShop(checkout::Shop);

#[wasm_bindgen(js_class = Shop)]
impl JsShop {
    /// `catalog`: the products; `env`: the worker's text bindings (secrets included).
    #[wasm_bindgen(constructor)]
    pub fn new(catalog: JsValue, env: JsValue) -> JsResult<JsShop> {
        let products = catalog_from_js(catalog)?;
        let env: std::collections::BTreeMap<String, String> =
            from_js(env, "env", Code::InvalidField)?;
        Ok(JsShop(checkout::Shop::new(products, &env)))
    }

    /// The catalog the page may see (only the gateways this shop has configured).
    #[wasm_bindgen(js_name = publicCatalog)]
    pub fn public_catalog(&self) -> JsResult<JsValue> {
        to_js(&checkout::public_catalog(
            self.0.products(),
            self.0.merchant(),
        ))
    }

    /// The buyer's choice as JSON text (`{ gateway, payType, sku, quantity, … }`) →
    /// JSON text `{ order, request }`: the write-ahead record and the signed request.
    /// The order id is a fresh `QC…` from `entropy`, or `QK…` from an Idempotency-Key's digest.
    pub fn checkout(
        &self,
        choice_json: &str,
        client_ip: Option<String>,
        now: f64,
        entropy: &str,
        key_digest: Option<String>,
        nonce: &str,
    ) -> JsResult<String> {
        let mut request = json::parse(choice_json)
            .map_err(|e| CheckoutError::invalid("checkout", &e.describe(), "不是 JSON"))
            .js()?;
        if let Some(ip) = client_ip {
            request.set("clientIp", json::Value::String(ip));
        }
        let id = order_id(now, entropy, key_digest)?;
        to_json(&self.0.checkout(&request, now as u64, &id, nonce).js()?)
    }

    /// Verifies a notification — its headers as JSON text `{ name: value }`, its body and
    /// query string as they arrived — and returns the `Notification` as JSON text (`raw`:
    /// null), or throws like `verifyNotify`. The body crosses as itself: wrapped in JSON it
    /// was escaped in JS and unescaped again here, a fifth of a GatePay verify.
    #[wasm_bindgen(js_name = verifyNotify)]
    pub fn verify_notify(
        &self,
        gateway_name: &str,
        headers_json: &str,
        body: &str,
        query: &str,
        now: f64,
        window_ms: f64,
    ) -> JsResult<String> {
        let g = gateway(gateway_name)?;
        let n = IncomingNotification {
            headers: serde_json::from_str(headers_json)
                .map_err(|e| CheckoutError::malformed_notification(&[&e.to_string()]))
                .js()?,
            body: body.to_owned(),
            query: query.to_owned(),
        };
        // The worker keeps no audit copy: the fields as received are not even built.
        let opts = VerifyOptions {
            now: now as u64,
            window_ms: window_ms as u64,
            keep_raw: false,
        };
        to_json(&signing::verify_notification(g, &n, self.0.secret(g).js()?, &opts).js()?)
    }
}

/// A `creating` record and the gateway's reply (HTTP status, body text) → the
/// record opened with its payment, or the reply's typed error.
#[wasm_bindgen(js_name = settleOrder)]
pub fn settle_order(order: JsValue, http_status: u16, body_text: &str) -> JsResult<JsValue> {
    let order: OrderRecord = from_js(order, "order", Code::InvalidField)?;
    to_js(&checkout::settle(&order, http_status, body_text).js()?)
}

/// `settleOrder` over JSON text, for the order object's path: the record goes in as
/// text and only what settling changes comes back (`{ state, expiresAt, payment }`),
/// merged into the stored record by the caller.
#[wasm_bindgen(js_name = settleReply)]
pub fn settle_reply(order_json: &str, http_status: u16, body_text: &str) -> JsResult<String> {
    // Read as `settleOrder` reads its argument: the same typed errors.
    let order: OrderRecord = from_json(order_json, "order", Code::InvalidField)?;
    to_json(&checkout::settle_changes(&order, http_status, body_text).js()?)
}
