//! Helpers for tests that run whole flows against the in-process simulator.

use std::time::{Duration, Instant};

use mppoint::{Client, Config, IntentState};
use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

pub const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";

pub fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).expect("simulator starts")
}

pub fn client_for(sim: &Simulator) -> Client {
    let options = json!({
        "access_token": "TEST-mppoint-tests",
        "base_url": sim.base_url(),
        "poll_interval_ms": 20,
        "timeout_ms": 5000,
    });
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

/// Creates an intent with a fresh key and returns its id.
pub fn create(client: &Client, amount: i64) -> String {
    client
        .create_intent(DEVICE, &mppoint::NewSale::new(amount), None)
        .unwrap()
        .id()
}

/// Waits (bounded) for an intent's final state through the library's wait loop.
pub fn wait_final(client: &Client, id: &str) -> (IntentState, Value) {
    let outcome = client
        .wait_intent(id, Duration::from_secs(10), &mut |_, _| {
            mppoint::Progress::Continue
        })
        .unwrap();
    assert!(outcome.state.is_final(), "{id} ended {:?}", outcome.state);
    let json = serde_json::from_str(outcome.json.as_deref().unwrap()).unwrap();
    (outcome.state, json)
}

/// Polls `read` until it gives `Some`, for at most `limit`.
pub fn eventually<T>(limit: Duration, mut read: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = read() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A call to the simulator's control API (`/_sim/...`), which needs no token.
pub fn control(sim: &Simulator, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // The simulator is on loopback: never go through a proxy from the environment.
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let url = format!("{}/_sim{path}", sim.base_url());
    let response = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        ("DELETE", _) => agent.delete(&url).call(),
        ("POST", Some(body)) => agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
        ("POST", None) => agent.post(&url).send_empty(),
        _ => panic!("unsupported control call {method}"),
    };
    let mut response = response.expect("control API answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
