//! Requests to any path of a simulator (the control API under `/_sim`, `/v1/payments`,
//! `/users/test_user`), which the shared client can't reach: it prefixes the Point API.

#![allow(dead_code)] // each test file uses a different subset

use serde_json::Value;

use crate::common::{agent, exchange, Api, TOKEN};

/// The answer to a request of [`send`].
pub use crate::common::Reply as Raw;

/// Sends `method path` with an optional JSON body; `auth` adds the test Bearer token.
pub fn send(base_url: &str, method: &str, path: &str, body: Option<&str>, auth: bool) -> Raw {
    let bearer = format!("Bearer {TOKEN}");
    exchange(
        &agent(),
        method,
        &format!("{base_url}{path}"),
        body,
        auth.then_some(bearer.as_str()),
        &[],
    )
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
