//! Requests to the Orders API routes of a simulator (`/v1/orders`, `/terminals/v1`), which
//! the shared client can't reach: it prefixes the Integration API.

#![allow(dead_code)] // each test file uses a different subset

use std::time::Instant;

use serde_json::{json, Value};

use crate::common::{exchange, Api, Reply, DEADLINE, TOKEN};

/// A request body for `POST /v1/orders` on `terminal` for `amount` (as the API writes it).
pub fn order_body(terminal: &str, amount: &str, reference: &str) -> Value {
    json!({
        "type": "point",
        "external_reference": reference,
        "transactions": {"payments": [{"amount": amount}]},
        "config": {"point": {"terminal_id": terminal}},
    })
}

pub trait Orders {
    fn api(&self) -> &Api;

    /// Sends a request with the test token and optional extra headers.
    fn orders_send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let api = self.api();
        exchange(
            &api.agent,
            method,
            &format!("{}{path}", api.base_url),
            body,
            Some(&format!("Bearer {TOKEN}")),
            headers,
        )
    }

    fn orders_get(&self, path: &str) -> Reply {
        self.orders_send("GET", path, None, &[])
    }

    /// `POST path` with `X-Idempotency-Key: key`.
    fn orders_post(&self, path: &str, key: &str, body: Option<&Value>) -> Reply {
        let body = body.map(Value::to_string);
        self.orders_send("POST", path, body.as_deref(), &[("X-Idempotency-Key", key)])
    }

    fn create_order(&self, key: &str, body: &Value) -> Reply {
        self.orders_post("/v1/orders", key, Some(body))
    }

    /// Creates an order and returns its JSON, asserting the 201.
    fn order_ok(&self, terminal: &str, amount: &str) -> Value {
        let key = uuid::Uuid::new_v4().to_string();
        let reply = self.create_order(&key, &order_body(terminal, amount, "ref-1"));
        assert_eq!(reply.status, 201, "{}", reply.raw);
        reply.body
    }

    fn order(&self, id: &str) -> Value {
        let reply = self.orders_get(&format!("/v1/orders/{id}"));
        assert_eq!(reply.status, 200, "{}", reply.raw);
        reply.body
    }

    /// `POST /v1/orders/{id}/events` with `body`; returns the status.
    fn event(&self, id: &str, body: Value) -> Reply {
        self.orders_send(
            "POST",
            &format!("/v1/orders/{id}/events"),
            Some(&body.to_string()),
            &[],
        )
    }

    /// Polls until the order's status is `status` (or panics after [`DEADLINE`]); returns
    /// the statuses seen, deduplicated, and the last body.
    fn wait_for_status(&self, id: &str, status: &str) -> (Vec<String>, Value) {
        let start = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let order = self.order(id);
            let now = order["status"].as_str().unwrap().to_string();
            if seen.last() != Some(&now) {
                seen.push(now.clone());
            }
            if now == status {
                return (seen, order);
            }
            assert!(
                start.elapsed() < DEADLINE,
                "order {id} never became {status}; saw {seen:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

impl Orders for Api {
    fn api(&self) -> &Api {
        self
    }
}

/// Asserts the Orders API's error shape `{"errors":[{"code","message"}]}` with `code`;
/// returns the message.
pub fn assert_orders_error(reply: &Reply, status: u16, code: &str) -> String {
    assert_eq!(reply.status, status, "{}", reply.raw);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/json"),
        "{}",
        reply.raw
    );
    let errors = reply.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", reply.raw);
    assert_eq!(errors[0]["code"], code, "{}", reply.raw);
    let object = reply.body.as_object().unwrap();
    assert_eq!(object.len(), 1, "only errors: {}", reply.raw);
    errors[0]["message"].as_str().expect("message").to_string()
}

/// Whether `id` is `prefix` and 26 ULID characters.
pub fn is_ulid_id(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 26
            && rest
                .bytes()
                .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
    })
}
