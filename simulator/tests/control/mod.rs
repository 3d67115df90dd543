//! Requests to any path of a simulator (the control API under `/_sim`, `/v1/payments`,
//! `/users/test_user`), which the shared client can't reach: it prefixes the Point API.

#![allow(dead_code)] // each test file uses a different subset

use serde_json::Value;

use crate::common::{agent, Api, TOKEN};

pub struct Raw {
    pub status: u16,
    pub body: Value,
    pub raw: String,
    pub retry_after: Option<String>,
}

/// Sends `method path` with an optional JSON body; `auth` adds the test Bearer token.
pub fn send(base_url: &str, method: &str, path: &str, body: Option<&str>, auth: bool) -> Raw {
    let mut builder = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{base_url}{path}"));
    if auth {
        builder = builder.header("Authorization", format!("Bearer {TOKEN}"));
    }
    let result = match body {
        Some(body) => agent().run(
            builder
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .unwrap(),
        ),
        None => agent().run(builder.body(()).unwrap()),
    };
    let mut response = result.expect("request reaches the simulator");
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let status = response.status().as_u16();
    let raw = response.body_mut().read_to_string().unwrap();
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("not JSON ({e}): {raw}"))
    };
    Raw {
        status,
        body,
        raw,
        retry_after,
    }
}

/// The control API and the other non-Point routes of one simulator.
pub trait Control {
    fn base(&self) -> String;

    fn sim_get(&self, path: &str) -> Raw {
        send(&self.base(), "GET", path, None, false)
    }

    fn sim_post(&self, path: &str, body: Option<&str>) -> Raw {
        send(&self.base(), "POST", path, body, false)
    }

    /// Presses a terminal button: `green-key`, `card` (with an outcome) or `cancel`.
    fn press(&self, device: &str, button: &str, outcome: Option<&str>) -> Raw {
        let body = outcome.map(|o| format!(r#"{{"outcome":"{o}"}}"#));
        self.sim_post(&format!("/_sim/devices/{device}/{button}"), body.as_deref())
    }

    /// Green key then a card; asserts both succeed and returns the final object.
    fn pay(&self, device: &str, outcome: &str) -> Value {
        let taken = self.press(device, "green-key", None);
        assert_eq!(taken.status, 200, "{}", taken.raw);
        let done = self.press(device, "card", Some(outcome));
        assert_eq!(done.status, 200, "{}", done.raw);
        done.body
    }

    fn state(&self) -> Value {
        let reply = self.sim_get("/_sim/state");
        assert_eq!(reply.status, 200, "{}", reply.raw);
        reply.body
    }

    /// `GET /v1/payments/{id}` with the Bearer token.
    fn payment(&self, id: &str) -> Raw {
        send(
            &self.base(),
            "GET",
            &format!("/v1/payments/{id}"),
            None,
            true,
        )
    }
}

impl Control for Api {
    fn base(&self) -> String {
        self.sim.base_url()
    }
}
