//! The library against a simulator that misbehaves on demand (`/_sim/faults`): what is
//! retried, that a retried create never makes a second intent, that time budgets hold and
//! that each failure reaches the caller as the right `ErrorKind`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mppoint::{Client, Config, DeviceFilters, ErrorKind, NewSale};
use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";
const DEVICES: &str = "/point/integration-api/devices";
/// Intents stay OPEN during these tests: only the faults change what happens.
const FROZEN: u64 = 600_000;

/// Runs one library call and checks the promise every fault test relies on: no call takes
/// more than its `timeout_ms` (retries and `Retry-After` pauses included) plus one second.
fn bounded<T>(client: &Client, call: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = call();
    let took = started.elapsed();
    let limit = client.config().timeout + Duration::from_secs(1);
    assert!(
        took <= limit,
        "a call took {took:?}, more than its budget + 1 s ({limit:?})"
    );
    result
}

fn simulator() -> Simulator {
    Simulator::start(SimConfig {
        step_ms: FROZEN,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn client_for(sim: &Simulator, extra: Value) -> Client {
    let mut options = json!({
        "access_token": "TEST-mppoint-faults",
        "base_url": sim.base_url(),
        "timeout_ms": 5000,
        "max_retries": 2,
    });
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

fn control_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Registers a fault; returns its id.
fn add_fault(sim: &Simulator, fault: Value) -> u64 {
    let mut response = control_agent()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .header("Content-Type", "application/json")
        .send(fault.to_string())
        .unwrap();
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(response.status(), 201, "{body}");
    body["id"].as_u64().unwrap()
}

/// How many requests the fault `id` has hit.
fn hits(sim: &Simulator, id: u64) -> u64 {
    let mut response = control_agent()
        .get(format!("{}/_sim/faults", sim.base_url()))
        .call()
        .unwrap();
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    body["faults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .expect("fault listed")["hits"]
        .as_u64()
        .unwrap()
}

/// The simulator's counters of create requests per idempotency key, oldest key first:
/// `(key, requests, intents_created)`.
fn idempotency(sim: &Simulator) -> Vec<(String, u64, u64)> {
    let mut response = control_agent()
        .get(format!("{}/_sim/idempotency", sim.base_url()))
        .call()
        .unwrap();
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["key"].as_str().unwrap().to_string(),
                k["requests"].as_u64().unwrap(),
                k["intents_created"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn create_path() -> String {
    format!("{DEVICES}/{DEVICE}/payment-intents")
}

/// Today's date (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let days = (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The ids of every intent the simulator holds (all were created today).
fn intents(client: &Client) -> Vec<String> {
    let day = today();
    let reply = client.intent_events(&day, &day).unwrap();
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payment_intent_id"].as_str().unwrap().to_string())
        .collect()
}

fn create(client: &Client, key: Option<&str>) -> mppoint::Result<String> {
    let sale = NewSale::simple(1500, Some("faults"), false);
    let created = bounded(client, || client.create_intent(DEVICE, &sale, key))?;
    Ok(created.id())
}

#[test]
fn a_503_with_retry_after_is_waited_out_and_retried() {
    let sim = simulator();
    let client = client_for(&sim, json!({}));
    let fault = add_fault(
        &sim,
        json!({"method":"GET","path":DEVICES,"kind":"status","status":503,"retry_after":"1"}),
    );
    let started = Instant::now();
    let reply = bounded(&client, || client.list_devices(&DeviceFilters::default())).unwrap();
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured ({:?})",
        started.elapsed()
    );
    assert_eq!(hits(&sim, fault), 1);
}

#[test]
fn a_500_on_create_is_retried_and_makes_one_intent() {
    let sim = simulator();
    let client = client_for(&sim, json!({}));
    let fault = add_fault(
        &sim,
        json!({"method":"POST","path":create_path(),"kind":"status","status":500}),
    );
    let id = create(&client, None).unwrap();
    assert_eq!(hits(&sim, fault), 1);
    assert_eq!(intents(&client), [id]);
    // The 500 came before the store saw the request: only the retry was counted.
    let keys = idempotency(&sim);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!((keys[0].1, keys[0].2), (1, 1));
}

#[test]
fn a_create_whose_answer_is_lost_is_retried_without_a_duplicate() {
    let sim = simulator();
    let client = client_for(&sim, json!({}));
    // The first attempt creates the intent and its answer never arrives. A retry with a
    // different key would find the device busy (409); the same key replays the intent.
    let fault = add_fault(
        &sim,
        json!({"method":"POST","path":create_path(),"kind":"drop_after_read"}),
    );
    let id = create(&client, None).unwrap();
    assert_eq!(hits(&sim, fault), 1);
    assert_eq!(intents(&client), std::slice::from_ref(&id));
    // Two requests carried the library's one generated key; one intent was made with it.
    let keys = idempotency(&sim);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!((keys[0].1, keys[0].2), (2, 1));

    // The same with the caller's own key, on another intent after cancelling this one.
    client.cancel_intent(DEVICE, &id).unwrap();
    let fault = add_fault(
        &sim,
        json!({"method":"POST","path":create_path(),"kind":"drop_after_read"}),
    );
    let second = create(&client, Some("pos-order-77")).unwrap();
    assert_eq!(hits(&sim, fault), 1);
    assert_eq!(idempotency(&sim)[1], ("pos-order-77".to_string(), 2, 1));
    let mut all = intents(&client);
    all.sort();
    let mut expected = vec![id, second];
    expected.sort();
    assert_eq!(all, expected);
}

#[test]
fn a_create_dropped_before_it_was_read_is_retried() {
    let sim = simulator();
    let client = client_for(&sim, json!({}));
    let fault = add_fault(
        &sim,
        json!({"method":"POST","path":create_path(),"kind":"drop_before_read"}),
    );
    let id = create(&client, None).unwrap();
    assert_eq!(hits(&sim, fault), 1);
    assert_eq!(intents(&client), [id]);
    let keys = idempotency(&sim);
    assert_eq!((keys.len(), keys[0].1, keys[0].2), (1, 1, 1), "{keys:?}");
}

#[test]
fn dropped_connections_beyond_max_retries_are_a_network_error() {
    let sim = simulator();
    let client = client_for(&sim, json!({"max_retries": 1}));
    let fault = add_fault(
        &sim,
        json!({"method":"GET","path":DEVICES,"count":5,"kind":"drop_before_read"}),
    );
    let err = bounded(&client, || client.list_devices(&DeviceFilters::default())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{}", err.message());
    assert_eq!(err.http_status(), None);
    assert_eq!(hits(&sim, fault), 2, "one try and one retry");
}

#[test]
fn a_delay_beyond_the_budget_is_a_timeout_within_it() {
    let sim = simulator();
    let client = client_for(&sim, json!({"timeout_ms": 800}));
    add_fault(
        &sim,
        json!({"method":"GET","path":DEVICES,"kind":"delay","delay_ms":5000}),
    );
    let started = Instant::now();
    let err = bounded(&client, || client.list_devices(&DeviceFilters::default())).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{}", err.message());
    assert!(
        took < Duration::from_millis(800 + 1000),
        "the call took {took:?} with a budget of 800 ms"
    );
    assert!(took >= Duration::from_millis(700), "{took:?}");
}

#[test]
fn a_malformed_answer_to_a_create_is_an_unknown_outcome_that_its_key_resolves() {
    let sim = simulator();
    let client = client_for(&sim, json!({}));
    let fault = add_fault(
        &sim,
        json!({"method":"POST","path":create_path(),"kind":"malformed_body"}),
    );
    let err = create(&client, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{}", err.message());
    assert_eq!(err.http_status(), Some(201));
    assert!(err.body().is_some_and(|b| !b.is_empty()));
    // Not retried: a success status was received.
    assert_eq!(hits(&sim, fault), 1);
    let key = err.idempotency_key().unwrap().to_owned();
    let id = create(&client, Some(&key)).unwrap();
    assert_eq!(intents(&client), [id]);
    let keys = idempotency(&sim);
    assert_eq!(keys, [(key, 2, 1)], "two requests, one intent");
}

#[test]
fn a_create_lost_on_every_attempt_is_resolved_by_its_key_without_a_second_intent() {
    // D4: no caller key, the answer lost on every attempt. The service made one intent (OPEN,
    // payable); the library says the outcome is unknown and gives the key it used.
    let sim = simulator();
    let client = client_for(&sim, json!({"max_retries": 2}));
    let fault = add_fault(
        &sim,
        json!({"method":"POST","path":create_path(),"count":3,"kind":"drop_after_read"}),
    );
    let err = create(&client, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{}", err.message());
    assert_eq!(hits(&sim, fault), 3);
    let key = err.idempotency_key().unwrap().to_owned();
    let made = intents(&client);
    assert_eq!(made.len(), 1, "the service made one intent: {made:?}");
    // The same create, with that key: the intent that exists, not a second one.
    let id = create(&client, Some(&key)).unwrap();
    assert_eq!(made, [id]);
    assert_eq!(idempotency(&sim), [(key, 4, 1)]);
}

#[test]
fn a_400_is_not_retried() {
    let sim = simulator();
    let client = client_for(&sim, json!({"max_retries": 3}));
    let fault = add_fault(
        &sim,
        json!({"method":"GET","path":DEVICES,"count":4,"kind":"status","status":400}),
    );
    let err = bounded(&client, || client.list_devices(&DeviceFilters::default())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(hits(&sim, fault), 1);
}

#[test]
fn persistent_5xx_ends_as_a_server_error_after_max_retries() {
    let sim = simulator();
    let client = client_for(&sim, json!({"max_retries": 2}));
    let fault = add_fault(
        &sim,
        json!({"method":"GET","path":DEVICES,"count":10,"kind":"status","status":502}),
    );
    let err = bounded(&client, || client.list_devices(&DeviceFilters::default())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(hits(&sim, fault), 3, "one try and two retries");
}

#[test]
fn a_retry_after_longer_than_the_budget_never_stretches_the_call() {
    let sim = simulator();
    let client = client_for(&sim, json!({"timeout_ms": 1500}));
    add_fault(
        &sim,
        json!({"method":"GET","path":DEVICES,"count":5,"kind":"status","status":429,"retry_after":"30"}),
    );
    let err = bounded(&client, || client.list_devices(&DeviceFilters::default())).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited | ErrorKind::Timeout),
        "{:?}: {}",
        err.kind(),
        err.message()
    );
}

#[test]
fn a_wait_polling_faster_than_the_rate_limit_still_sees_the_sale_finish() {
    // The documented limit of one status read per second per intent, enforced: a POS that
    // polls every 20 ms gets 429s, which the wait treats as passing and sits out.
    let sim = Simulator::start(SimConfig {
        step_ms: 300,
        strict_rate_limit: true,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let client = client_for(&sim, json!({"poll_interval_ms": 20}));
    let id = create(&client, None).unwrap();
    let outcome = client
        .wait_intent(&id, Duration::from_secs(15), &mut |_, _| {
            mppoint::Progress::Continue
        })
        .unwrap();
    assert_eq!(outcome.end, mppoint::WaitEnd::Final);
    assert_eq!(outcome.state, mppoint::IntentState::Finished);
}

#[test]
fn one_malformed_answer_during_a_wait_is_ridden_out() {
    // The sale is still payable after a garbled status answer: the wait must keep reading
    // until the sale ends, not stop with BAD_RESPONSE and leave an open intent behind.
    let sim = Simulator::start(SimConfig {
        step_ms: 300,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let client = client_for(&sim, json!({"poll_interval_ms": 50}));
    let id = create(&client, None).unwrap();
    let fault = add_fault(
        &sim,
        json!({"method":"GET","path":format!("/point/integration-api/payment-intents/{id}"),
               "count":1,"kind":"malformed_body"}),
    );
    let mut reads = 0;
    let outcome = client
        .wait_intent(&id, Duration::from_secs(15), &mut |_, _| {
            reads += 1;
            mppoint::Progress::Continue
        })
        .unwrap();
    assert_eq!(hits(&sim, fault), 1);
    assert_eq!(outcome.end, mppoint::WaitEnd::Final);
    assert_eq!(outcome.state, mppoint::IntentState::Finished);
    assert!(reads >= 2, "{reads}");
}
