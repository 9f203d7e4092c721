//! One module per gateway, each reading like its spec. This file only dispatches
//! on [`Gateway`] for callers that hold plain objects (JS, JSON); it knows no quirks.

pub mod gatepay;
pub mod gatepay_io;
pub mod yimafu;

use crate::error::Result;
use crate::payment::{Gateway, Payment};
use crate::request::{Input, UnsignedRequest};
use serde::Serialize;
use serde_json::Value;

/// A validated order of any of the three gateways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Order {
    GatepayIo(gatepay_io::Order),
    Gatepay(Box<gatepay::Order>),
    Yimafu(yimafu::Order),
}

impl Order {
    /// Reads and validates a plain order object (camelCase fields).
    /// `now_ms` bounds time-limited fields (GatePay's `orderExpireTime`).
    pub fn from_input(gateway: Gateway, order: &Value, now_ms: u64) -> Result<Order> {
        Ok(match gateway {
            Gateway::GatepayIo => Order::GatepayIo(gatepay_io::Order::from_input(order)?),
            Gateway::Gatepay => {
                Order::Gatepay(Box::new(gatepay::Order::from_input(order, now_ms)?))
            }
            Gateway::Yimafu => Order::Yimafu(yimafu::Order::from_input(order)?),
        })
    }

    /// The unsigned request; `config` is `{ baseUrl, appkey | clientId | appId }`.
    pub fn build(&self, config: &Value, now_ms: u64) -> Result<UnsignedRequest> {
        let c = Input::new(config, "config")?;
        let base_url = c.required_text("baseUrl")?;
        match self {
            Order::GatepayIo(o) => o.build(&gatepay_io::Config {
                base_url,
                appkey: c.required_text("appkey")?,
            }),
            Order::Gatepay(o) => o.build(
                &gatepay::Config {
                    base_url,
                    client_id: c.required_text("clientId")?,
                },
                now_ms,
            ),
            Order::Yimafu(o) => o.build(&yimafu::Config {
                base_url,
                app_id: c.required_text("appId")?,
            }),
        }
    }
}

/// HTTP status + raw body text of a create-order reply → [`Payment`] or a typed error.
pub fn parse_response(gateway: Gateway, status: u16, body: &str) -> Result<Payment> {
    match gateway {
        Gateway::GatepayIo => gatepay_io::parse_response(status, body),
        Gateway::Gatepay => gatepay::parse_response(status, body),
        Gateway::Yimafu => yimafu::parse_response(status, body),
    }
}
