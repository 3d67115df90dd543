//! Helpers shared by the integration tests: an in-process simulator and a ureq client.

#![allow(dead_code)] // each test file uses a different subset

use std::time::{Duration, Instant};

use point_sim::{SimConfig, Simulator};
use serde_json::Value;

pub const PREFIX: &str = "/point/integration-api";
pub const CAJA1: &str = "PAX_A910__SMARTPOS1495357742";
pub const CAJA2: &str = "GERTEC_MP35P__8701012051267097";
pub const CAJA3: &str = "INGENICO_MOVE2500__ING-ARG-14886780";
pub const TOKEN: &str = "TEST-123";
/// Upper bound for any wait on the simulator's automatic steps.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A loopback-only client that reports HTTP errors as statuses.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into()
}

/// A simulator running in-process, with a client for it.
pub struct Api {
    pub sim: Simulator,
    pub client: Client,
}

/// A client of one simulator; each has its own connection pool (keep-alive).
pub struct Client {
    pub base_url: String,
    pub agent: ureq::Agent,
}

impl std::ops::Deref for Api {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub raw: String,
    pub content_type: Option<String>,
    pub allow: Option<String>,
    pub retry_after: Option<String>,
}

/// Sends one request to a full URL and reads the whole answer; `auth` is the whole
/// Authorization header value, if any.
pub fn exchange(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&str>,
    auth: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    if let Some(auth) = auth {
        builder = builder.header("Authorization", auth);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let result = match body {
        Some(body) => agent.run(
            builder
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .unwrap(),
        ),
        None => agent.run(builder.body(()).unwrap()),
    };
    let mut response = result.expect("request reaches the simulator");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let content_type = header("content-type");
    let allow = header("allow");
    let retry_after = header("retry-after");
    let status = response.status().as_u16();
    let raw = response.body_mut().read_to_string().unwrap();
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("not JSON ({e}): {raw}"))
    };
    Reply {
        status,
        body,
        raw,
        content_type,
        allow,
        retry_after,
    }
}

impl Api {
    pub fn start(step_ms: u64) -> Api {
        Api::with_config(SimConfig {
            step_ms,
            ..SimConfig::default()
        })
    }

    pub fn with_config(config: SimConfig) -> Api {
        let sim = Simulator::start(config).expect("simulator starts");
        let client = Client::new(sim.base_url());
        Api { sim, client }
    }
}

impl Client {
    pub fn new(base_url: String) -> Client {
        Client {
            base_url,
            agent: agent(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{PREFIX}{path}", self.base_url)
    }

    /// Sends a request; `auth` is the whole Authorization header value, if any.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        auth: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        exchange(&self.agent, method, &self.url(path), body, auth, headers)
    }

    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.send(method, path, body, Some(&format!("Bearer {TOKEN}")), &[])
    }

    pub fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None)
    }

    pub fn create(&self, device: &str, body: &Value) -> Reply {
        self.call(
            "POST",
            &format!("/devices/{device}/payment-intents"),
            Some(&body.to_string()),
        )
    }

    pub fn create_keyed(&self, device: &str, key: &str, body: &Value) -> Reply {
        self.send(
            "POST",
            &format!("/devices/{device}/payment-intents"),
            Some(&body.to_string()),
            Some(&format!("Bearer {TOKEN}")),
            &[("X-Idempotency-Key", key)],
        )
    }

    /// Creates an intent and returns its id, asserting the 201.
    pub fn create_ok(&self, device: &str, amount: i64) -> String {
        let reply = self.create(device, &serde_json::json!({ "amount": amount }));
        assert_eq!(reply.status, 201, "{}", reply.raw);
        reply.body["id"].as_str().unwrap().to_string()
    }

    pub fn intent(&self, id: &str) -> Value {
        let reply = self.get(&format!("/payment-intents/{id}"));
        assert_eq!(reply.status, 200, "{}", reply.raw);
        reply.body
    }

    /// Polls until the intent is in `state` (or panics after [`DEADLINE`]); returns the
    /// states seen on the way, deduplicated, and the last body.
    pub fn wait_for_state(&self, id: &str, state: &str) -> (Vec<String>, Value) {
        self.wait_until(id, |s| s == state)
    }

    /// Polls until `done(state)` holds (or panics after [`DEADLINE`]).
    pub fn wait_until(&self, id: &str, done: impl Fn(&str) -> bool) -> (Vec<String>, Value) {
        let start = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let intent = self.intent(id);
            let now = intent["state"].as_str().unwrap().to_string();
            if seen.last() != Some(&now) {
                seen.push(now.clone());
            }
            if done(&now) {
                return (seen, intent);
            }
            assert!(
                start.elapsed() < DEADLINE,
                "intent {id} never reached the awaited state; saw {seen:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Asserts the common error shape and returns the message.
pub fn assert_error(reply: &Reply, status: u16) -> String {
    assert_eq!(reply.status, status, "{}", reply.raw);
    assert_eq!(reply.body["status"], status, "{}", reply.raw);
    assert!(reply.body["error"].is_string(), "{}", reply.raw);
    assert!(reply.body["cause"].is_array(), "{}", reply.raw);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/json"),
        "{}",
        reply.raw
    );
    reply.body["message"].as_str().expect("message").to_string()
}
