//! How the client behaves on the wire when the service misbehaves: retries only where they
//! are safe, one idempotency key per call, time budgets kept, error texts that help, and an
//! access token that never leaks. Runs against a scripted loopback server.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mppoint::{
    Client, Config, DeviceFilters, ErrorKind, IntentState, LogLevel, NewSale, Progress, WaitEnd,
};
use serde_json::json;
use support::scripted::{reply, Scripted, Step};

const TOKEN: &str = "APP_USR-0000-very-secret-token";
const INTENT: &str = r#"{"id":"7d8c70b6-2ac8-4c57-a441-c319088ca3ca","device_id":"D1","amount":1500,"state":"OPEN"}"#;

fn client(server: &Scripted, extra: serde_json::Value) -> Client {
    let mut options =
        json!({ "access_token": TOKEN, "base_url": server.base_url(), "timeout_ms": 5000 });
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

/// The sale these tests create: `{"amount":1500}`, sent as given.
fn body() -> NewSale {
    NewSale::from_json(r#"{"amount":1500}"#).unwrap()
}

#[test]
fn requests_carry_token_agent_json_and_an_idempotency_key() {
    let server = Scripted::start(vec![reply(201, INTENT)]);
    let reply = client(&server, json!({"test_scope": "sandbox"}))
        .create_intent("D1", &body(), None)
        .unwrap();
    assert_eq!(reply.http_status(), 201);
    let shared: serde_json::Value = serde_json::from_str(reply.json()).unwrap();
    let sent: serde_json::Value = serde_json::from_str(INTENT).unwrap();
    assert_eq!(
        shared["raw"], sent,
        "the service's JSON is kept whole under raw"
    );
    assert_eq!(shared["id"], sent["id"], "and its paths keep their meaning");
    assert_eq!(shared["state"], "OPEN");
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.target,
        "/point/integration-api/devices/D1/payment-intents"
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(request
        .header("user-agent")
        .unwrap()
        .starts_with("mppoint/"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-test-scope"), Some("sandbox"));
    let key = request
        .header("x-idempotency-key")
        .expect("POST carries a key");
    assert_eq!(uuid_version(key), Some(4));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&request.body).unwrap(),
        json!({ "amount": 1500 })
    );
}

/// The service's own JSON in a normalised sale (`raw`), or the JSON itself when it is the
/// service's.
fn raw_of(json: Option<&str>) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(json.expect("a JSON")).unwrap();
    value.get("raw").cloned().unwrap_or(value)
}

fn uuid_version(text: &str) -> Option<usize> {
    uuid::Uuid::parse_str(text)
        .ok()
        .map(|u| u.get_version_num())
}

#[test]
fn a_post_retried_after_5xx_and_a_dropped_connection_reuses_its_key() {
    let server = Scripted::start(vec![reply(503, "busy"), Step::Drop, reply(201, INTENT)]);
    let reply = client(&server, json!({}))
        .create_intent("D1", &body(), Some("my-key-1"))
        .unwrap();
    assert_eq!(reply.http_status(), 201);
    let keys: Vec<_> = server
        .seen()
        .iter()
        .map(|s| s.header("x-idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["my-key-1", "my-key-1", "my-key-1"]);
}

#[test]
fn generated_keys_are_the_same_across_retries_and_new_per_call() {
    let server = Scripted::start(vec![reply(502, ""), reply(201, INTENT), reply(201, INTENT)]);
    let client = client(&server, json!({}));
    client.create_intent("D1", &body(), None).unwrap();
    client.create_intent("D1", &body(), None).unwrap();
    let keys: Vec<_> = server
        .seen()
        .iter()
        .map(|s| s.header("x-idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0], keys[1], "a retry reuses the call's key");
    assert_ne!(keys[1], keys[2], "a new call gets a new key");
}

#[test]
fn retries_stop_at_max_retries_and_report_the_last_answer() {
    let server = Scripted::start(vec![reply(
        503,
        r#"{"message":"service unavailable","error":"unavailable","status":503,"cause":[]}"#,
    )]);
    let err = client(&server, json!({"max_retries": 2}))
        .list_devices(&DeviceFilters::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.http_status(), Some(503));
    assert!(
        err.message().contains("service unavailable"),
        "{}",
        err.message()
    );
    assert_eq!(server.seen().len(), 3, "one try and two retries");
}

#[test]
fn client_errors_are_not_retried() {
    for (status, kind) in [
        (400, ErrorKind::Api),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Unauthorized),
        (404, ErrorKind::NotFound),
        (422, ErrorKind::Api),
    ] {
        let server = Scripted::start(vec![reply(status, r#"{"errorKey":"nope"}"#)]);
        let err = client(&server, json!({})).intent("abc").unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(server.seen().len(), 1, "{status} is not retried");
        assert!(err.message().contains("nope"));
    }
}

#[test]
fn a_409_means_busy_on_create_and_locked_on_cancel() {
    let conflict = r#"{"message":"conflict","error":"conflict","status":409,"cause":[]}"#;
    let server = Scripted::start(vec![reply(409, conflict)]);
    let c = client(&server, json!({}));
    assert_eq!(
        c.create_intent("D1", &body(), None).unwrap_err().kind(),
        ErrorKind::DeviceBusy
    );
    assert_eq!(
        c.cancel_intent("D1", "I1").unwrap_err().kind(),
        ErrorKind::IntentLocked
    );
    assert_eq!(server.seen().len(), 2, "409 is not retried");
}

#[test]
fn retry_after_is_honoured() {
    let server = Scripted::start(vec![
        Step::Reply(429, vec![("Retry-After", "1".into())], "{}".into()),
        reply(200, INTENT),
    ]);
    let started = Instant::now();
    let state = client(&server, json!({})).intent("I1").unwrap().state();
    assert_eq!(state, IntentState::Open);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_retry_after_beyond_the_budget_returns_rate_limited_at_once() {
    let server = Scripted::start(vec![Step::Reply(
        429,
        vec![("Retry-After", "10".into())],
        "{}".into(),
    )]);
    let started = Instant::now();
    let err = client(&server, json!({"timeout_ms": 2000}))
        .intent("I1")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_slow_service_times_out_within_the_budget() {
    let server = Scripted::start(vec![Step::Stall(
        Duration::from_secs(4),
        200,
        INTENT.into(),
    )]);
    let started = Instant::now();
    let err = client(&server, json!({"timeout_ms": 500}))
        .intent("I1")
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{}", err.message());
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[test]
fn an_unreachable_service_is_a_network_error() {
    // Bind then drop a listener: the port is free and nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = json!({"access_token": TOKEN, "base_url": format!("http://127.0.0.1:{port}"), "max_retries": 1});
    let c = Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap();
    let err = c.list_devices(&DeviceFilters::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{}", err.message());
    assert_eq!(err.http_status(), None);
}

#[test]
fn a_tls_failure_is_reported_as_tls_and_not_retried() {
    // An https URL aimed at a server that answers in plain HTTP: the handshake fails.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(Mutex::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            *count.lock().unwrap() += 1;
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let options = json!({"access_token": TOKEN, "base_url": format!("https://127.0.0.1:{port}")});
    let c = Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap();
    let err = c.list_devices(&DeviceFilters::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{}", err.message());
    assert_eq!(*accepted.lock().unwrap(), 1, "a TLS failure is not retried");
}

#[test]
fn success_with_a_body_that_is_not_json_is_a_bad_response() {
    let server = Scripted::start(vec![reply(200, "<html>gateway</html>")]);
    let err = client(&server, json!({}))
        .list_devices(&DeviceFilters::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadResponse);
    // A create answered with success but no id: the intent probably exists, unreadably.
    let server = Scripted::start(vec![reply(201, r#"{"no_id":true}"#)]);
    let err = client(&server, json!({}))
        .create_intent("D1", &body(), Some("k-no-id"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{}", err.message());
    assert_eq!(err.idempotency_key(), Some("k-no-id"));
    assert!(err.message().contains("has no \"id\""), "{}", err.message());
}

#[test]
fn a_create_whose_every_answer_is_lost_has_an_unknown_outcome_and_gives_its_key() {
    // The service receives each attempt and the answer never comes back.
    let server = Scripted::start(vec![Step::Drop, Step::Drop, Step::Drop, reply(201, INTENT)]);
    let c = client(&server, json!({"max_retries": 2}));
    let err = c.create_intent("D1", &body(), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{}", err.message());
    let key = err
        .idempotency_key()
        .expect("the key of the lost create")
        .to_owned();
    assert_eq!(uuid_version(&key), Some(4));
    assert!(err.message().contains(&key), "{}", err.message());
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen
        .iter()
        .all(|s| s.header("x-idempotency-key") == Some(key.as_str())));
    // Sending the same create with that key resolves it.
    let reply = c.create_intent("D1", &body(), Some(&key)).unwrap();
    assert_eq!(reply.idempotency_key(), Some(key.as_str()));
    assert_eq!(
        server.seen()[3].header("x-idempotency-key"),
        Some(key.as_str())
    );
    assert_eq!(
        server.seen()[3].body,
        seen[0].body,
        "the same body, byte for byte"
    );
}

#[test]
fn a_create_that_could_not_be_sent_or_was_refused_is_not_unknown() {
    // Nothing listens: the request never left.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = json!({"access_token": TOKEN, "base_url": format!("http://127.0.0.1:{port}"), "max_retries": 1});
    let c = Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap();
    let err = c.create_intent("D1", &body(), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{}", err.message());
    assert!(err.idempotency_key().is_some());
    // Refused by the service, even after an attempt whose answer was lost: the same request
    // is refused again, so it was never made.
    let server = Scripted::start(vec![Step::Drop, reply(400, r#"{"message":"bad amount"}"#)]);
    let err = client(&server, json!({"max_retries": 1}))
        .create_intent("D1", &body(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{}", err.message());
    // But a busy device after a lost answer may be busy with this very intent.
    let server = Scripted::start(vec![Step::Drop, reply(409, "{}")]);
    let err = client(&server, json!({"max_retries": 1}))
        .create_intent("D1", &body(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{}", err.message());
    // A 5xx may come after the service acted.
    let server = Scripted::start(vec![reply(500, "oops")]);
    let err = client(&server, json!({"max_retries": 0}))
        .create_intent("D1", &body(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{}", err.message());
    assert_eq!(err.http_status(), Some(500));
}

#[test]
fn redirects_are_not_followed() {
    let server = Scripted::start(vec![Step::Reply(
        302,
        vec![("Location", "http://127.0.0.1:9/steal".into())],
        String::new(),
    )]);
    let err = client(&server, json!({}))
        .list_devices(&DeviceFilters::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadResponse, "{}", err.message());
    assert_eq!(err.http_status(), Some(302));
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn filters_and_dates_become_encoded_query_parameters() {
    let server = Scripted::start(vec![
        reply(200, r#"{"devices":[]}"#),
        reply(200, r#"{"events":[]}"#),
    ]);
    let c = client(&server, json!({}));
    let filters =
        DeviceFilters::from_json(r#"{"store_id":"loja 1&2","pos_id":7,"limit":5,"offset":10}"#)
            .unwrap();
    c.list_devices(&filters).unwrap();
    c.intent_events("2026-11-01", "2026-11-24").unwrap();
    let seen = server.seen();
    assert_eq!(
        seen[0].target,
        "/point/integration-api/devices?store_id=loja%201%262&pos_id=7&limit=5&offset=10"
    );
    assert_eq!(
        seen[1].target,
        "/point/integration-api/payment-intents/events?startDate=2026-11-01&endDate=2026-11-24"
    );
}

#[test]
fn the_token_never_reaches_an_error_text_or_a_log_line() {
    // A gateway that echoes the request headers back in its error body.
    let echo = format!(r#"{{"message":"bad header Authorization: Bearer {TOKEN}","error":"x"}}"#);
    let server = Scripted::start(vec![reply(503, &echo), reply(400, &echo)]);
    let c = client(&server, json!({}));
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    c.set_logger(
        Some(Arc::new(move |_, line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        })),
        LogLevel::Debug,
    );
    let err = c.list_devices(&DeviceFilters::default()).unwrap_err();
    assert!(!err.message().contains(TOKEN), "{}", err.message());
    assert!(!err.body().unwrap().contains(TOKEN));
    assert!(err.message().contains("[REDACTED]"));
    let lines = lines.lock().unwrap();
    assert!(lines.len() >= 3, "debug, retry warning, error: {lines:?}");
    assert!(lines.iter().all(|l| !l.contains(TOKEN)), "{lines:?}");
    assert!(lines
        .iter()
        .any(|l| l.contains("GET /point/integration-api/devices")));
}

#[test]
fn log_lines_name_method_path_status_duration_and_retries() {
    let server = Scripted::start(vec![reply(200, r#"{"devices":[]}"#)]);
    let c = client(&server, json!({}));
    let lines = Arc::new(Mutex::new(Vec::<(LogLevel, String)>::new()));
    let sink = Arc::clone(&lines);
    c.set_logger(
        Some(Arc::new(move |level, line: &str| {
            sink.lock().unwrap().push((level, line.to_owned()))
        })),
        LogLevel::Info,
    );
    c.list_devices(&DeviceFilters::default()).unwrap();
    let lines = lines.lock().unwrap();
    assert_eq!(lines.len(), 1, "debug lines are filtered out: {lines:?}");
    let (level, line) = &lines[0];
    assert_eq!(*level, LogLevel::Info);
    assert!(
        line.starts_with("GET /point/integration-api/devices -> 200 in "),
        "{line}"
    );
    assert!(line.ends_with("(retries 0)"), "{line}");
}

#[test]
fn a_wait_rides_out_transient_failures_and_stops_on_final() {
    let processing = INTENT.replace("OPEN", "PROCESSING");
    let finished = INTENT.replace("OPEN", "FINISHED");
    let server = Scripted::start(vec![
        reply(200, &processing),
        reply(503, "down"),
        reply(429, "{}"),
        reply(200, &finished),
    ]);
    let c = client(&server, json!({"poll_interval_ms": 10, "max_retries": 0}));
    let mut states = Vec::new();
    let outcome = c
        .wait_intent("I1", Duration::from_secs(5), &mut |s, _| {
            states.push(s);
            Progress::Continue
        })
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Final);
    assert_eq!(outcome.state, IntentState::Finished);
    assert_eq!(raw_of(outcome.json.as_deref()), raw_of(Some(&finished)));
    assert_eq!(
        states,
        [
            IntentState::Processing,
            IntentState::Processing,
            IntentState::Processing,
            IntentState::Finished
        ],
        "the callback runs after every poll, failed ones and the final one included"
    );
}

#[test]
fn a_wait_ends_on_a_permanent_failure() {
    let server = Scripted::start(vec![reply(
        404,
        r#"{"message":"payment intent not found"}"#,
    )]);
    let c = client(&server, json!({"poll_interval_ms": 10}));
    let err = c
        .wait_intent("I1", Duration::from_secs(5), &mut |_, _| Progress::Continue)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_wait_times_out_with_the_last_state_and_zero_means_one_read() {
    let server = Scripted::start(vec![reply(200, INTENT)]);
    let c = client(&server, json!({"poll_interval_ms": 50}));
    let started = Instant::now();
    let outcome = c
        .wait_intent("I1", Duration::from_millis(300), &mut |_, _| {
            Progress::Continue
        })
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(1300));
    assert_eq!(outcome.end, WaitEnd::TimedOut);
    assert_eq!(outcome.state, IntentState::Open);
    assert_eq!(raw_of(outcome.json.as_deref()), raw_of(Some(INTENT)));
    let reads = server.seen().len();
    assert!(
        (4..=8).contains(&reads),
        "about one read per 50 ms for 300 ms: {reads}"
    );

    let outcome = c
        .wait_intent("I1", Duration::ZERO, &mut |_, _| Progress::Continue)
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::TimedOut);
    assert_eq!(
        server.seen().len(),
        reads + 1,
        "timeout 0 is exactly one read"
    );
}

#[test]
fn a_wait_stops_when_the_callback_says_so() {
    let server = Scripted::start(vec![reply(200, INTENT)]);
    let c = client(&server, json!({"poll_interval_ms": 10}));
    let mut calls = 0;
    let outcome = c
        .wait_intent("I1", Duration::from_secs(5), &mut |_, _| {
            calls += 1;
            if calls == 3 {
                Progress::Stop
            } else {
                Progress::Continue
            }
        })
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Aborted);
    assert_eq!(outcome.state, IntentState::Open);
    assert_eq!(server.seen().len(), 3);
}

/// Every substring of the token of `min` characters or more that `text` contains.
fn token_parts_in(text: &str, min: usize) -> Vec<String> {
    let mut found = Vec::new();
    for start in 0..TOKEN.len() {
        for end in start + min..=TOKEN.len() {
            if text.contains(&TOKEN[start..end]) {
                found.push(TOKEN[start..end].to_owned());
            }
        }
    }
    found
}

fn logged_client(server: &Scripted) -> (Client, Arc<Mutex<Vec<String>>>) {
    let c = client(server, json!({"max_retries": 0}));
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    c.set_logger(
        Some(Arc::new(move |_, line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        })),
        LogLevel::Debug,
    );
    (c, lines)
}

#[test]
fn a_success_whose_body_echoes_the_token_never_shows_it() {
    // A misconfigured gateway answering 200 with the request it received, headers included.
    let echo = format!(
        "GET /point/integration-api/devices HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    let server = Scripted::start(vec![reply(200, &echo)]);
    let (c, lines) = logged_client(&server);
    let err = c.list_devices(&DeviceFilters::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadResponse);
    assert_eq!(
        token_parts_in(err.message(), 6),
        Vec::<String>::new(),
        "{}",
        err.message()
    );
    assert_eq!(token_parts_in(err.body().unwrap(), 6), Vec::<String>::new());
    let lines = lines.lock().unwrap();
    for line in lines.iter() {
        assert_eq!(token_parts_in(line, 6), Vec::<String>::new(), "{line}");
    }
}

#[test]
fn no_part_of_the_token_survives_the_cut_of_an_error_text() {
    // The token starts anywhere around the 300-character cut of an error excerpt, so that it
    // straddles it; or the body itself ends inside the token (a proxy that truncated it).
    for before in (260..=305).step_by(3) {
        let whole = format!(
            "{}Bearer {TOKEN} and more text after it",
            "x".repeat(before)
        );
        let truncated = format!("{}Bearer {}", "x".repeat(before), &TOKEN[..20]);
        let straddling_part = format!(
            "{}Bearer {} then other words that carry the text on well beyond the cut",
            "x".repeat(before),
            &TOKEN[..20]
        );
        for body in [whole, truncated, straddling_part] {
            let server = Scripted::start(vec![reply(401, &body)]);
            let (c, lines) = logged_client(&server);
            let err = c.list_devices(&DeviceFilters::default()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthorized);
            assert_eq!(
                token_parts_in(err.message(), 6),
                Vec::<String>::new(),
                "{before}: {}",
                err.message()
            );
            for line in lines.lock().unwrap().iter() {
                assert_eq!(token_parts_in(line, 6), Vec::<String>::new(), "{line}");
            }
        }
    }
}

#[test]
fn a_wait_rides_out_every_kind_of_transient_failure() {
    let processing = INTENT.replace("OPEN", "PROCESSING");
    let finished = INTENT.replace("OPEN", "FINISHED");
    let server = Scripted::start(vec![
        reply(200, &processing),
        reply(200, r#"{"id":"7d8c70b6","state":"PROC"#), // a malformed answer
        reply(500, "oops"),
        reply(502, "bad gateway"),
        Step::Drop,
        Step::Stall(Duration::from_millis(1500), 200, processing.clone()), // one read times out
        reply(200, "<html>captive portal</html>"),
        reply(429, "{}"),
        reply(200, &finished),
    ]);
    let c = client(
        &server,
        json!({"poll_interval_ms": 10, "max_retries": 0, "timeout_ms": 1000}),
    );
    let mut states = Vec::new();
    let outcome = c
        .wait_intent("I1", Duration::from_secs(20), &mut |s, _| {
            states.push(s);
            Progress::Continue
        })
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Final);
    assert_eq!(outcome.state, IntentState::Finished);
    assert_eq!(server.seen().len(), 9);
    assert_eq!(
        states.len(),
        9,
        "the callback ran after every read: {states:?}"
    );
}

#[test]
fn a_wait_ends_at_once_on_failures_that_cannot_heal() {
    for (status, kind) in [
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Unauthorized),
        (404, ErrorKind::NotFound),
        (400, ErrorKind::Api),
        (501, ErrorKind::Server),
    ] {
        let server = Scripted::start(vec![reply(status, r#"{"message":"no"}"#)]);
        let c = client(&server, json!({"poll_interval_ms": 10}));
        let err = c
            .wait_intent("I1", Duration::from_secs(5), &mut |_, _| Progress::Continue)
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(
            server.seen().len(),
            1,
            "{status} is neither retried nor read again"
        );
    }
}
