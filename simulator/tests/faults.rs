//! Faults on demand (`/_sim/faults`) seen by a plain HTTP client: what each kind does to
//! the answer, the connection and the simulator's state.

mod common;

use std::io;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::{json, Value};

/// Intents never move by themselves during these tests.
const FROZEN: u64 = 600_000;
const DEVICES: &str = "/point/integration-api/devices";

/// An answer with every header, or the transport error when there was none.
struct Raw {
    status: u16,
    retry_after: Option<String>,
    content_type: Option<String>,
    body: String,
}

fn raw(
    client: &Client,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Raw, ureq::Error> {
    let mut builder = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", client.base_url))
        .header("Authorization", format!("Bearer {TOKEN}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut response = match body {
        Some(body) => client.agent.run(
            builder
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .unwrap(),
        ),
        None => client.agent.run(builder.body(()).unwrap()),
    }?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let retry_after = header("retry-after");
    let content_type = header("content-type");
    Ok(Raw {
        status: response.status().as_u16(),
        retry_after,
        content_type,
        body: response.body_mut().read_to_string()?,
    })
}

/// A control-API call that must get an answer; returns status and JSON (null if empty).
fn control(client: &Client, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    let reply = raw(client, method, path, body.as_deref(), &[]).expect("control API answers");
    let json = if reply.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&reply.body).unwrap()
    };
    (reply.status, json)
}

fn add_fault(client: &Client, fault: Value) -> Value {
    let (status, body) = control(client, "POST", "/_sim/faults", Some(fault));
    assert_eq!(status, 201, "{body}");
    body
}

fn faults(client: &Client) -> Vec<Value> {
    let (status, body) = control(client, "GET", "/_sim/faults", None);
    assert_eq!(status, 200);
    body["faults"].as_array().unwrap().clone()
}

fn create_path(device: &str) -> String {
    format!("{DEVICES}/{device}/payment-intents")
}

/// Today's date (UTC) as the events query wants it.
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
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

/// Every intent created today (a test's simulator starts empty).
fn intents_today(client: &Client) -> Vec<Value> {
    let day = today();
    let reply = client.get(&format!(
        "/payment-intents/events?startDate={day}&endDate={day}"
    ));
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body["events"].as_array().unwrap().clone()
}

/// The transport error of a connection closed without an answer.
fn assert_closed_without_answer(result: Result<Raw, ureq::Error>) {
    match result {
        Err(ureq::Error::Io(e)) => assert!(
            matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
            ),
            "unexpected I/O error {e:?}"
        ),
        Err(other) => panic!("expected an I/O error, got {other:?}"),
        Ok(reply) => panic!("expected no answer, got HTTP {}", reply.status),
    }
}

#[test]
fn a_status_fault_answers_it_with_retry_after_and_leaves_state_alone() {
    let api = Api::start(FROZEN);
    let fault = add_fault(
        &api,
        json!({"method":"POST","path":create_path(CAJA1),"count":2,"kind":"status",
               "status":503,"retry_after":"2"}),
    );
    assert_eq!(fault["kind"], "status");
    assert_eq!(fault["status"], 503);
    assert_eq!(fault["retry_after"], "2");
    assert_eq!(fault["remaining"], 2);
    assert!(fault["id"].is_u64());
    for _ in 0..2 {
        let reply = raw(
            &api,
            "POST",
            &create_path(CAJA1),
            Some(r#"{"amount":1500}"#),
            &[],
        )
        .unwrap();
        assert_eq!(reply.status, 503);
        assert_eq!(reply.retry_after.as_deref(), Some("2"));
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["status"], 503);
        assert!(body["message"].is_string() && body["cause"].is_array());
    }
    // Nothing was created, so the device is free for the third request.
    assert!(intents_today(&api).is_empty());
    api.create_ok(CAJA1, 1500);
    let listed = faults(&api);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (&listed[0]["remaining"], &listed[0]["hits"]),
        (&json!(0), &json!(2))
    );
}

#[test]
fn a_delay_fault_holds_the_answer_then_serves_it() {
    let api = Api::start(FROZEN);
    add_fault(
        &api,
        json!({"method":"GET","path":DEVICES,"kind":"delay","delay_ms":700}),
    );
    let started = Instant::now();
    let reply = api.get("/devices");
    let slow = started.elapsed();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["paging"]["total"], 3);
    assert!(slow >= Duration::from_millis(700), "{slow:?}");
    let started = Instant::now();
    assert_eq!(api.get("/devices").status, 200);
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[test]
fn drop_before_read_closes_without_answer_or_state_change() {
    let api = Api::start(FROZEN);
    // A kept-alive connection first, so the drop hits a reused connection.
    assert_eq!(api.get("/devices").status, 200);
    add_fault(
        &api,
        json!({"method":"POST","path":create_path(CAJA1),"kind":"drop_before_read"}),
    );
    assert_closed_without_answer(raw(
        &api,
        "POST",
        &create_path(CAJA1),
        Some(r#"{"amount":1500}"#),
        &[("X-Idempotency-Key", "k-before")],
    ));
    assert!(intents_today(&api).is_empty());
    // The same client carries on (on a new connection); the key was never used.
    let reply = api.create_keyed(CAJA1, "k-before", &json!({"amount": 1500}));
    assert_eq!(reply.status, 201, "{}", reply.raw);
    assert_eq!(intents_today(&api).len(), 1);
}

#[test]
fn drop_after_read_changes_state_but_sends_nothing() {
    let api = Api::start(FROZEN);
    add_fault(
        &api,
        json!({"method":"POST","path":create_path(CAJA1),"kind":"drop_after_read"}),
    );
    assert_closed_without_answer(raw(
        &api,
        "POST",
        &create_path(CAJA1),
        Some(r#"{"amount":1500}"#),
        &[("X-Idempotency-Key", "k-after")],
    ));
    // The intent was made: the device is busy, and a retry with the key replays it.
    let events = intents_today(&api);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["status"], "OPEN");
    let id = events[0]["payment_intent_id"].as_str().unwrap();
    assert_eq!(api.create(CAJA1, &json!({"amount": 1500})).status, 409);
    let replay = api.create_keyed(CAJA1, "k-after", &json!({"amount": 1500}));
    assert_eq!(replay.status, 200, "a replay is 200 OK: {}", replay.raw);
    assert_eq!(replay.body["id"], id);
    assert_eq!(intents_today(&api).len(), 1);
}

#[test]
fn malformed_body_keeps_the_status_and_breaks_the_json() {
    let api = Api::start(FROZEN);
    add_fault(
        &api,
        json!({"method":"POST","path":create_path(CAJA2),"kind":"malformed_body"}),
    );
    let reply = raw(
        &api,
        "POST",
        &create_path(CAJA2),
        Some(r#"{"amount":1500}"#),
        &[],
    )
    .unwrap();
    assert_eq!(reply.status, 201);
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert!(!reply.body.is_empty());
    assert!(
        serde_json::from_str::<Value>(&reply.body).is_err(),
        "{}",
        reply.body
    );
    // Served normally otherwise: the intent exists.
    assert_eq!(intents_today(&api).len(), 1);
}

#[test]
fn faults_match_by_method_and_prefix_and_are_consumed() {
    let api = Api::start(FROZEN);
    add_fault(
        &api,
        json!({"method":"POST","path":format!("{DEVICES}/*"),"count":2,"kind":"status",
               "status":418}),
    );
    // Another method on a matching path, and the same method elsewhere, are untouched.
    let patch = api.call(
        "PATCH",
        &format!("/devices/{CAJA3}"),
        Some(r#"{"operating_mode":"PDV"}"#),
    );
    assert_eq!(patch.status, 200, "{}", patch.raw);
    assert_eq!(api.get("/devices").status, 200);
    assert_eq!(
        api.call("POST", "/integrators/check", None).status,
        400,
        "no webhook set: the normal answer"
    );
    // Two matching requests take the two counts, on two different paths.
    assert_eq!(api.create(CAJA1, &json!({"amount": 1500})).status, 418);
    assert_eq!(api.create(CAJA2, &json!({"amount": 1500})).status, 418);
    assert_eq!(api.create(CAJA1, &json!({"amount": 1500})).status, 201);
    let listed = faults(&api);
    assert_eq!(listed[0]["hits"], 2);
    assert_eq!(listed[0]["remaining"], 0);

    // `*` matches any method; the first registered fault that matches wins.
    add_fault(
        &api,
        json!({"method":"*","path":"/point/integration-api/payment-intents/*","kind":"status",
               "status":502}),
    );
    add_fault(
        &api,
        json!({"method":"GET","path":"/point/integration-api/payment-intents/*","kind":"status",
               "status":504}),
    );
    assert_eq!(api.get("/payment-intents/nope").status, 502);
    assert_eq!(api.get("/payment-intents/nope").status, 504);
    assert_eq!(api.get("/payment-intents/nope").status, 404);
}

#[test]
fn the_control_surface_is_never_faulted() {
    let api = Api::start(FROZEN);
    add_fault(
        &api,
        json!({"method":"*","path":"/*","count":100,"kind":"status","status":500}),
    );
    assert_eq!(faults(&api)[0]["hits"], 0);
    let page = raw(&api, "GET", "/", None, &[]).unwrap();
    assert_ne!(page.status, 500);
    assert_eq!(faults(&api)[0]["hits"], 0);
    assert_eq!(api.get("/devices").status, 500);
    assert_eq!(faults(&api)[0]["hits"], 1);
    // Faults can always be removed.
    assert_eq!(control(&api, "DELETE", "/_sim/faults", None).0, 204);
    assert!(faults(&api).is_empty());
    assert_eq!(api.get("/devices").status, 200);
}

#[test]
fn faults_are_listed_validated_and_deleted() {
    let api = Api::start(FROZEN);
    let first = add_fault(
        &api,
        json!({"path":DEVICES,"kind":"delay","delay_ms":5,"count":3}),
    );
    assert_eq!(first["method"], "*");
    assert_eq!(first["count"], 3);
    assert_eq!(first["delay_ms"], 5);
    let second = add_fault(
        &api,
        json!({"method":"get","path":DEVICES,"kind":"drop_after_read"}),
    );
    assert_eq!(second["method"], "GET");
    assert_ne!(first["id"], second["id"]);
    let listed = faults(&api);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], first);
    assert_eq!(listed[1]["kind"], "drop_after_read");

    for bad in [
        json!({"path":DEVICES}),
        json!({"path":DEVICES,"kind":"status"}),
        json!({"path":DEVICES,"kind":"delay","count":0,"delay_ms":1}),
        json!({"path":DEVICES,"kind":"sometimes"}),
        json!({"kind":"malformed_body"}),
        json!({"path":DEVICES,"kind":"malformed_body","stauts":500}),
    ] {
        let (status, body) = control(&api, "POST", "/_sim/faults", Some(bad.clone()));
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["status"], 400);
        assert!(body["message"].as_str().unwrap().len() > 10, "{body}");
    }
    let (status, body) = control(&api, "PUT", "/_sim/faults", Some(json!({})));
    assert_eq!((status, &body["status"]), (405, &json!(405)));

    let one = format!("/_sim/faults/{}", second["id"]);
    assert_eq!(control(&api, "DELETE", &one, None).0, 204);
    assert_eq!(control(&api, "DELETE", &one, None).0, 404);
    assert_eq!(faults(&api), vec![first]);
    assert_eq!(control(&api, "DELETE", "/_sim/faults", None).0, 204);
    assert!(faults(&api).is_empty());
}

#[test]
fn stopping_does_not_wait_for_a_delay_in_progress() {
    let api = Api::start(FROZEN);
    add_fault(
        &api,
        json!({"path":DEVICES,"kind":"delay","delay_ms":60_000}),
    );
    let base_url = api.sim.base_url();
    let waiting = std::thread::spawn(move || {
        let client = Client::new(base_url);
        raw(&client, "GET", DEVICES, None, &[]).map(|r| r.status)
    });
    // Let the request reach its delay.
    let deadline = Instant::now() + DEADLINE;
    while faults(&api)[0]["hits"] == 0 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    api.sim.stop();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The waiting client gets its connection closed rather than hanging.
    assert!(waiting.join().unwrap().is_err());
}
