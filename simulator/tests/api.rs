//! The REST surface, driven over loopback HTTP against an in-process simulator.

mod common;
mod control;

use common::*;
use point_sim::SimConfig;
use serde_json::{json, Value};

/// Long enough that intents stay OPEN for the whole test.
const FROZEN: u64 = 600_000;
/// Short enough for whole sales in milliseconds.
const FAST: u64 = 30;

#[test]
fn requires_bearer_token() {
    let api = Api::with_config(SimConfig {
        access_token: Some("APP_USR-good".into()),
        step_ms: FROZEN,
        ..SimConfig::default()
    });
    for auth in [
        None,
        Some("Bearer APP_USR-bad"),
        Some("Bearer "),
        Some("Basic APP_USR-good"),
        Some("APP_USR-good"),
    ] {
        let reply = api.send("GET", "/devices", None, auth, &[]);
        assert_eq!(reply.status, 401, "{auth:?}");
        assert_eq!(
            reply.body,
            json!({"message":"invalid access token","error":"unauthorized","status":401,"cause":[]})
        );
    }
    // Unknown routes are authenticated first too.
    assert_eq!(api.send("GET", "/nothing", None, None, &[]).status, 401);
    let ok = api.send("GET", "/devices", None, Some("bearer APP_USR-good"), &[]);
    assert_eq!(ok.status, 200, "{}", ok.raw);

    // Without a configured token any non-empty Bearer token is accepted.
    let open = Api::start(FROZEN);
    assert_eq!(
        open.send("GET", "/devices", None, Some("Bearer anything"), &[])
            .status,
        200
    );
    assert_eq!(
        open.send("GET", "/devices", None, Some("Bearer  "), &[])
            .status,
        401
    );
    assert_eq!(open.send("GET", "/devices", None, None, &[]).status, 401);
}

#[test]
fn unknown_routes_and_methods() {
    let api = Api::start(FROZEN);
    let message = assert_error(&api.get("/nothing"), 404);
    assert!(message.contains("not found"), "{message}");
    assert_error(&api.get("/devices/"), 404);
    assert_error(&api.get("/payment-intents"), 404);

    let reply = api.call("POST", "/devices", Some("{}"));
    assert_error(&reply, 405);
    assert_eq!(reply.allow.as_deref(), Some("GET"));
    let reply = api.call("DELETE", "/integrators", None);
    assert_error(&reply, 405);
    assert_eq!(reply.allow.as_deref(), Some("GET, PATCH"));
    assert_error(&api.get(&format!("/devices/{CAJA1}/payment-intents")), 405);
}

fn device_ids(reply: &Reply) -> Vec<String> {
    reply.body["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lists_devices_with_filters_and_paging() {
    let api = Api::start(FROZEN);
    let all = api.get("/devices");
    assert_eq!(all.status, 200);
    assert_eq!(all.content_type.as_deref(), Some("application/json"));
    assert_eq!(device_ids(&all), [CAJA1, CAJA2, CAJA3]);
    assert_eq!(
        all.body["paging"],
        json!({"total": 3, "offset": 0, "limit": 50})
    );
    assert_eq!(
        all.body["devices"][0],
        json!({
            "id": CAJA1, "pos_id": 47792476, "store_id": "47792478",
            "external_pos_id": "CAJA1", "operating_mode": "PDV"
        })
    );

    let store = api.get("/devices?store_id=47792478");
    assert_eq!(device_ids(&store), [CAJA1, CAJA2]);
    assert_eq!(store.body["paging"]["total"], 2);

    let pos = api.get("/devices?pos_id=47792479");
    assert_eq!(device_ids(&pos), [CAJA3]);
    assert_eq!(
        device_ids(&api.get("/devices?store_id=47792480&pos_id=47792476")),
        Vec::<String>::new()
    );

    let page = api.get("/devices?limit=1&offset=1");
    assert_eq!(device_ids(&page), [CAJA2]);
    assert_eq!(
        page.body["paging"],
        json!({"total": 3, "offset": 1, "limit": 1})
    );

    // Filters apply before paging.
    let filtered_page = api.get("/devices?store_id=47792478&offset=1&limit=5");
    assert_eq!(device_ids(&filtered_page), [CAJA2]);
    assert_eq!(
        filtered_page.body["paging"],
        json!({"total": 2, "offset": 1, "limit": 5})
    );

    let beyond = api.get("/devices?offset=7");
    assert_eq!(device_ids(&beyond), Vec::<String>::new());
    assert_eq!(beyond.body["paging"]["total"], 3);

    for bad in [
        "pos_id=abc",
        "pos_id=1.5",
        "limit=0",
        "limit=51",
        "limit=ten",
        "offset=-1",
        "offset=x",
    ] {
        let message = assert_error(&api.get(&format!("/devices?{bad}")), 400);
        let field = bad.split('=').next().unwrap();
        assert!(message.contains(field), "{bad}: {message}");
    }
}

#[test]
fn switches_operating_mode() {
    let api = Api::start(FROZEN);
    let path = format!("/devices/{CAJA2}");
    let reply = api.call("PATCH", &path, Some(r#"{"operating_mode":"STANDALONE"}"#));
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(reply.body, json!({"operating_mode": "STANDALONE"}));
    assert_eq!(
        api.get("/devices?pos_id=47792477").body["devices"][0]["operating_mode"],
        "STANDALONE"
    );

    let refused = api.create(CAJA2, &json!({"amount": 1500}));
    let message = assert_error(&refused, 400);
    assert!(message.contains("PDV"), "{message}");

    let back = api.call("PATCH", &path, Some(r#"{"operating_mode":"PDV"}"#));
    assert_eq!(back.body, json!({"operating_mode": "PDV"}));
    api.create_ok(CAJA2, 1500);

    assert_error(
        &api.call(
            "PATCH",
            "/devices/NOPE",
            Some(r#"{"operating_mode":"PDV"}"#),
        ),
        404,
    );
    for body in [
        r#"{"operating_mode":"KIOSK"}"#,
        r#"{"mode":"PDV"}"#,
        "[]",
        "not json",
        "",
    ] {
        assert_error(&api.call("PATCH", &path, Some(body)), 400);
    }
}

#[test]
fn rejects_invalid_create_bodies() {
    let api = Api::start(FROZEN);
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "invalid_amount"),
        (json!({"amount": 15.5}), "invalid_amount"),
        (json!({"amount": 1500.0}), "invalid_amount"),
        (json!({"amount": "1500"}), "invalid_amount"),
        (json!({"amount": 499}), "invalid_amount"),
        (json!({"amount": 400_000_001}), "invalid_amount"),
        (
            json!({"amount": 1500, "additional_info": "ref"}),
            "invalid_additional_info",
        ),
        (
            json!({"amount": 1500, "additional_info": {"external_reference": "x".repeat(65)}}),
            "invalid_additional_info",
        ),
        (
            json!({"amount": 1500, "additional_info": {"print_on_terminal": "yes"}}),
            "invalid_additional_info",
        ),
        (
            json!({"amount": 1500, "description": 5}),
            "invalid_description",
        ),
        (
            json!({"amount": 1500, "payment": {"installments": 99}}),
            "invalid_payment",
        ),
        (
            json!({"amount": 1500, "payment": {"type": "cash"}}),
            "invalid_payment",
        ),
        (json!([1500]), "invalid_body"),
    ];
    for (body, code) in cases {
        let reply = api.create(CAJA1, &body);
        let message = assert_error(&reply, 400);
        assert_eq!(
            reply.body["cause"][0]["code"], code,
            "{body}: {}",
            reply.raw
        );
        let field = code.trim_start_matches("invalid_");
        assert!(
            field == "body" || message.contains(field),
            "{body}: {message}"
        );
    }
    let reply = api.create(CAJA1, &json!({"amount": 1.5}));
    assert_eq!(
        reply.body["message"],
        "amount must be an integer between 500 and 400000000"
    );
    let not_json = api.call(
        "POST",
        &format!("/devices/{CAJA1}/payment-intents"),
        Some("{amount: 1500"),
    );
    assert_error(&not_json, 400);
    assert_error(&api.create("NO_SUCH_DEVICE", &json!({"amount": 1500})), 404);

    // Nothing was created by any of the above: the device is free.
    api.create_ok(CAJA1, 500);
    api.create_ok(CAJA2, 400_000_000);
}

#[test]
fn amount_limits_follow_the_site() {
    let api = Api::with_config(SimConfig {
        site: "MLB".into(),
        step_ms: FROZEN,
        ..SimConfig::default()
    });
    api.create_ok(CAJA1, 100);
    let message = assert_error(&api.create(CAJA2, &json!({"amount": 99})), 400);
    assert_eq!(message, "amount must be an integer between 100 and 7000000");
    assert_error(&api.create(CAJA2, &json!({"amount": 7_000_001})), 400);
    assert!(point_sim::Simulator::start(SimConfig {
        site: "MLX".into(),
        ..SimConfig::default()
    })
    .is_err());
}

#[test]
fn create_echoes_the_request() {
    let api = Api::start(FROZEN);
    let body = json!({
        "amount": 1500,
        "description": "two coffees",
        "payment": {"type": "debit_card", "installments": 1, "installments_cost": "seller"},
        "additional_info": {"external_reference": "order-42", "print_on_terminal": true, "ticket_number": "T-1"},
    });
    let reply = api.create(CAJA1, &body);
    assert_eq!(reply.status, 201, "{}", reply.raw);
    let id = reply.body["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    assert_eq!(
        reply.body,
        json!({
            "id": id, "device_id": CAJA1, "amount": 1500, "description": "two coffees",
            "payment": {"type": "debit_card", "installments": 1, "installments_cost": "seller"},
            "additional_info": {"external_reference": "order-42", "print_on_terminal": true, "ticket_number": "T-1"},
            "state": "OPEN",
        })
    );
    assert_eq!(api.intent(id), reply.body);

    let minimal = api.create(CAJA2, &json!({"amount": 2000}));
    assert_eq!(minimal.body["additional_info"], json!({}));
    assert!(minimal.body.get("description").is_none());
    assert!(minimal.body.get("payment").is_none());
}

#[test]
fn sale_runs_to_finished_approved() {
    let api = Api::start(FAST);
    let id = api.create_ok(CAJA1, 1500);
    let (seen, intent) = api.wait_for_state(&id, "FINISHED");
    // Every state observed, in the machine's order (fast polling may skip some).
    let order = ["OPEN", "ON_TERMINAL", "PROCESSING", "PROCESSED", "FINISHED"];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| {
            order
                .iter()
                .position(|o| o == s)
                .unwrap_or_else(|| panic!("unexpected {s}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(
        intent["payment"],
        json!({
            "id": "20000000001", "type": "credit_card", "installments": 1,
            "installments_cost": "seller", "state": "approved"
        })
    );
    // Final means final.
    std::thread::sleep(std::time::Duration::from_millis(4 * FAST));
    assert_eq!(api.intent(&id), intent);

    // The device is free again, and payment ids count up.
    let second = api.create_ok(CAJA1, 1600);
    let (_, second) = api.wait_for_state(&second, "FINISHED");
    assert_eq!(second["payment"]["id"], "20000000002");
}

#[test]
fn payment_appears_at_processed_without_state() {
    let api = Api::start(300);
    let id = api
        .create(
            CAJA1,
            &json!({"amount": 1500, "payment": {"type": "debit_card"}}),
        )
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = api.intent(&id);
    assert_eq!(before["payment"], json!({"type": "debit_card"}));
    let (_, processed) = api.wait_for_state(&id, "PROCESSED");
    // Had the poll been late the intent would be FINISHED; PROCESSED was observed here.
    assert_eq!(processed["payment"]["type"], "debit_card");
    assert!(processed["payment"]["id"].is_string());
    assert!(processed["payment"].get("state").is_none(), "{processed}");
    let (_, finished) = api.wait_for_state(&id, "FINISHED");
    assert_eq!(finished["payment"]["state"], "approved");
}

#[test]
fn amount_picks_the_outcome() {
    let api = Api::start(FAST);
    let cases = [
        (1100, "FINISHED", Some("refunded")),
        (1200, "FINISHED", Some("rejected")),
        (1300, "ERROR", None),
        (1400, "FINISHED", Some("approved")),
    ];
    let devices = [CAJA1, CAJA2, CAJA3, CAJA1];
    for ((amount, state, payment_state), device) in cases.into_iter().zip(devices) {
        let id = api.create_ok(device, amount);
        let (_, intent) = api.wait_for_state(&id, state);
        assert_eq!(intent["state"], state, "{amount}");
        match payment_state {
            Some(p) => {
                assert_eq!(intent["payment"]["state"], p, "{amount}");
                assert!(intent["payment"]["id"]
                    .as_str()
                    .unwrap()
                    .parse::<u64>()
                    .is_ok());
            }
            None => assert!(intent.get("payment").is_none(), "{amount}: {intent}"),
        }
    }
}

#[test]
fn busy_device_refuses_a_second_intent() {
    let api = Api::start(FROZEN);
    api.create_ok(CAJA1, 1500);
    let reply = api.create(CAJA1, &json!({"amount": 1500}));
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.body,
        json!({"message":"device has a queued payment intent","error":"conflict","status":409,"cause":[]})
    );
    // Other devices are independent.
    api.create_ok(CAJA2, 1500);
}

#[test]
fn idempotency_key_replays_the_same_intent() {
    let api = Api::start(FROZEN);
    let body = json!({"amount": 1500, "additional_info": {"external_reference": "A-1"}});
    let first = api.create_keyed(CAJA1, "key-1", &body);
    assert_eq!(first.status, 201, "{}", first.raw);
    // Same key and body, fields in another order: the same intent, not a 409.
    let reordered: Value =
        serde_json::from_str(r#"{"additional_info":{"external_reference":"A-1"},"amount":1500}"#)
            .unwrap();
    let again = api.create_keyed(CAJA1, "key-1", &reordered);
    assert_eq!(again.status, 200, "a replay is 200 OK: {}", again.raw);
    assert_eq!(again.body["id"], first.body["id"]);

    let other_body = api.create_keyed(CAJA1, "key-1", &json!({"amount": 1501}));
    let message = assert_error(&other_body, 400);
    assert_eq!(
        message,
        "idempotency key already used with a different request"
    );
    assert_eq!(other_body.body["error"], "idempotency_key_reused");
    assert_error(&api.create_keyed(CAJA2, "key-1", &body), 400);

    // A new key is a new request: the device is busy with the first intent.
    assert_error(&api.create_keyed(CAJA1, "key-2", &body), 409);

    // Exactly one intent exists.
    let today = &api
        .get(&format!(
            "/payment-intents/{}/events",
            first.body["id"].as_str().unwrap()
        ))
        .body["created_on"]
        .as_str()
        .unwrap()[..10]
        .to_string();
    let events = api.get(&format!(
        "/payment-intents/events?startDate={today}&endDate={today}"
    ));
    assert_eq!(
        events.body["events"].as_array().unwrap().len(),
        1,
        "{}",
        events.raw
    );
}

#[test]
fn cancel_while_open() {
    let api = Api::start(FROZEN);
    let id = api.create_ok(CAJA1, 1500);
    assert_error(
        &api.call(
            "DELETE",
            &format!("/devices/{CAJA2}/payment-intents/{id}"),
            None,
        ),
        404,
    );
    assert_error(
        &api.call(
            "DELETE",
            &format!("/devices/{CAJA1}/payment-intents/nope"),
            None,
        ),
        404,
    );

    let reply = api.call(
        "DELETE",
        &format!("/devices/{CAJA1}/payment-intents/{id}"),
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(reply.body, json!({ "id": id }));
    assert_eq!(api.intent(&id)["state"], "CANCELED");
    assert_eq!(
        api.get(&format!("/payment-intents/{id}/events")).body["status"],
        "CANCELED"
    );

    let again = api.call(
        "DELETE",
        &format!("/devices/{CAJA1}/payment-intents/{id}"),
        None,
    );
    let message = assert_error(&again, 400);
    assert!(message.contains("CANCELED"), "{message}");
    // The device is free again.
    api.create_ok(CAJA1, 1500);
}

#[test]
fn cancel_is_blocked_once_on_the_terminal() {
    let api = Api::start(250);
    let id = api.create_ok(CAJA1, 1500);
    // ON_TERMINAL, PROCESSING and PROCESSED all block; the final state is 750 ms further.
    let (_, intent) = api.wait_until(&id, |s| s != "OPEN");
    assert_ne!(intent["state"], "FINISHED");
    let reply = api.call(
        "DELETE",
        &format!("/devices/{CAJA1}/payment-intents/{id}"),
        None,
    );
    assert_eq!(reply.status, 409, "{}", reply.raw);
    assert_eq!(
        reply.body["message"],
        "payment intent is blocked by terminal"
    );
    api.wait_for_state(&id, "FINISHED");
    let late = api.call(
        "DELETE",
        &format!("/devices/{CAJA1}/payment-intents/{id}"),
        None,
    );
    assert!(assert_error(&late, 400).contains("FINISHED"));
}

fn is_api_time(text: &str) -> bool {
    let b = text.as_bytes();
    text.len() == 24
        && text.ends_with('Z')
        && [4, 7].iter().all(|&i| b[i] == b'-')
        && b[10] == b'T'
        && [13, 16].iter().all(|&i| b[i] == b':')
        && b[19] == b'.'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19, 20..23]
            .into_iter()
            .all(|r| b[r].iter().all(u8::is_ascii_digit))
}

#[test]
fn last_event_reports_the_latest_change() {
    let api = Api::start(FAST);
    let id = api.create_ok(CAJA1, 1300);
    let event = api.get(&format!("/payment-intents/{id}/events"));
    assert_eq!(event.status, 200);
    assert_eq!(event.body["payment_intent_id"], id.as_str());
    let created = event.body["created_on"].as_str().unwrap().to_string();
    assert!(is_api_time(&created), "{created}");
    api.wait_for_state(&id, "ERROR");
    let last = api.get(&format!("/payment-intents/{id}/events")).body;
    assert_eq!(last["status"], "ERROR");
    // Four steps after creation; fixed-width UTC strings compare in time order.
    let finished = last["created_on"].as_str().unwrap();
    assert!(
        is_api_time(finished) && finished > created.as_str(),
        "{created} {finished}"
    );

    assert_error(&api.get("/payment-intents/nope/events"), 404);
    let message = assert_error(&api.get("/payment-intents/nope"), 404);
    assert_eq!(message, "payment intent not found");
}

#[test]
fn events_by_date() {
    let api = Api::start(FROZEN);
    let first = api.create_ok(CAJA1, 1500);
    let second = api.create_ok(CAJA2, 1500);
    // Canceling the first makes its latest change come after the second's creation.
    api.call(
        "DELETE",
        &format!("/devices/{CAJA1}/payment-intents/{first}"),
        None,
    );
    let today = api.get(&format!("/payment-intents/{first}/events")).body["created_on"]
        .as_str()
        .unwrap()[..10]
        .to_string();

    let reply = api.get(&format!(
        "/payment-intents/events?startDate={today}&endDate={today}"
    ));
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let events = reply.body["events"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["payment_intent_id"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(second.as_str(), "OPEN"), (first.as_str(), "CANCELED")]
    );
    assert!(events
        .iter()
        .all(|e| e["created_on"].as_str().unwrap().starts_with(&today)));

    let past = api.get("/payment-intents/events?startDate=2000-01-01&endDate=2000-01-31");
    assert_eq!(past.status, 200);
    assert_eq!(past.body, json!({"events": []}));

    for bad in [
        "startDate=2026-01-01&endDate=2026-02-01", // 31 days
        "startDate=2026-01-02&endDate=2026-01-01", // backwards
        "endDate=2026-01-01",
        "startDate=2026-01-01",
        "startDate=2026-02-30&endDate=2026-03-01",
        "startDate=2026-1-1&endDate=2026-01-02",
        "startDate=01/01/2026&endDate=2026-01-02",
    ] {
        let message = assert_error(&api.get(&format!("/payment-intents/events?{bad}")), 400);
        assert!(
            message.contains("Date") || message.contains("days"),
            "{bad}: {message}"
        );
    }
    let limit = api.get("/payment-intents/events?startDate=2026-01-01&endDate=2026-01-31");
    assert_eq!(limit.status, 200, "{}", limit.raw);
}

#[test]
fn integrator_settings() {
    let api = Api::start(FROZEN);
    let reply = api.get("/integrators");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"token": api.sim.integrator_token(), "webhook": "", "is_valid_webhook": false})
    );
    assert!(uuid::Uuid::parse_str(&api.sim.integrator_token()).is_ok());

    let set = api.call(
        "PATCH",
        "/integrators",
        Some(r#"{"webhook":"https://pos.example/hook"}"#),
    );
    assert_eq!(set.status, 204);
    assert_eq!(set.raw, "");
    assert_eq!(
        api.get("/integrators").body["webhook"],
        "https://pos.example/hook"
    );

    for bad in [
        r#"{"webhook":"ftp://pos.example/hook"}"#,
        r#"{"webhook":"pos.example/hook"}"#,
        r#"{"webhook":""}"#,
        r#"{"webhook":42}"#,
        r#"{}"#,
        "nope",
    ] {
        assert_error(&api.call("PATCH", "/integrators", Some(bad)), 400);
    }
    assert_eq!(
        api.get("/integrators").body["webhook"],
        "https://pos.example/hook"
    );
}

#[test]
fn stop_frees_the_port_without_hanging() {
    let api = Api::start(FROZEN);
    // Leave a keep-alive connection open in the agent's pool.
    assert_eq!(api.get("/devices").status, 200);
    let port = api.sim.port();
    assert_eq!(api.sim.base_url(), format!("http://127.0.0.1:{port}"));
    let started = std::time::Instant::now();
    api.sim.stop();
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    // The listener closes right after the server is dropped; allow it a moment.
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(_) => break,
            Err(e) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "port {port} still taken: {e}"
                );
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}

#[test]
fn idempotency_counters_prove_no_duplicate() {
    use control::Control;
    let api = Api::start(FROZEN);
    let body = json!({"amount": 1500});
    assert_eq!(api.create_keyed(CAJA1, "order-7", &body).status, 201);
    assert_eq!(api.create_keyed(CAJA1, "order-7", &body).status, 200);
    assert_eq!(
        api.sim_get("/_sim/idempotency/order-7").body,
        json!({"key": "order-7", "requests": 2, "intents_created": 1})
    );
    // A request that fails still counts as a request with that key.
    assert_error(&api.create_keyed(CAJA1, "busy-1", &body), 409);
    assert_error(
        &api.create_keyed(CAJA2, "bad-1", &json!({"amount": 1})),
        400,
    );
    assert_eq!(
        api.sim_get("/_sim/idempotency/never-used").body,
        json!({"key": "never-used", "requests": 0, "intents_created": 0})
    );
    // Requests without a key are not counted anywhere.
    api.create_ok(CAJA3, 1500);
    assert_eq!(
        api.sim_get("/_sim/idempotency").body,
        json!({"keys": [
            {"key": "order-7", "requests": 2, "intents_created": 1},
            {"key": "busy-1", "requests": 1, "intents_created": 0},
            {"key": "bad-1", "requests": 1, "intents_created": 0},
        ]})
    );
    // Keys are percent-decoded in the path.
    api.create_keyed(CAJA2, "a b", &body);
    assert_eq!(
        api.sim_get("/_sim/idempotency/a%20b").body["intents_created"],
        1
    );
}

#[test]
fn test_users() {
    use control::send;
    let api = Api::start(FROZEN);
    let base = api.sim.base_url();
    let first = send(
        &base,
        "POST",
        "/users/test_user",
        Some(r#"{"site_id":"MLA"}"#),
        true,
    );
    assert_eq!(first.status, 201, "{}", first.raw);
    let user = first.body.as_object().unwrap();
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["email", "id", "nickname", "password", "site_status"]);
    assert!(first.body["id"].is_u64());
    assert_eq!(first.body["site_status"], "active");
    assert!(first.body["email"].as_str().unwrap().contains('@'));
    assert!(!first.body["password"].as_str().unwrap().is_empty());
    let second = send(
        &base,
        "POST",
        "/users/test_user",
        Some(r#"{"site_id":"MLB"}"#),
        true,
    );
    assert_ne!(second.body["id"], first.body["id"]);
    assert_ne!(second.body["nickname"], first.body["nickname"]);

    for body in [r#"{"site_id":"XXX"}"#, r#"{"site_id":5}"#, "{}", "nope"] {
        let reply = send(&base, "POST", "/users/test_user", Some(body), true);
        assert_eq!(reply.status, 400, "{body}: {}", reply.raw);
    }
    assert_eq!(
        send(
            &base,
            "POST",
            "/users/test_user",
            Some(r#"{"site_id":"MLA"}"#),
            false
        )
        .status,
        401
    );
    assert_eq!(
        send(&base, "GET", "/users/test_user", None, true).status,
        405
    );
}

#[test]
fn strict_rate_limit_refuses_a_second_read_within_a_second() {
    let api = Api::with_config(SimConfig {
        step_ms: FROZEN,
        strict_rate_limit: true,
        ..SimConfig::default()
    });
    let id = api.create_ok(CAJA1, 1500);
    let other = api.create_ok(CAJA2, 1500);
    let started = std::time::Instant::now();
    assert_eq!(api.get(&format!("/payment-intents/{id}")).status, 200);
    let refused = api.get(&format!("/payment-intents/{id}"));
    assert_eq!(refused.status, 429, "{}", refused.raw);
    assert_eq!(refused.body["error"], "too_many_requests");
    assert_eq!(refused.body["status"], 429);
    assert!(refused.body["cause"].is_array());
    let again = control::send(
        &api.sim.base_url(),
        "GET",
        &format!("{PREFIX}/payment-intents/{id}"),
        None,
        true,
    );
    assert_eq!(again.status, 429);
    assert_eq!(again.retry_after.as_deref(), Some("1"));
    // The limit is per intent, and other routes are not limited.
    assert_eq!(api.get(&format!("/payment-intents/{other}")).status, 200);
    assert_eq!(
        api.get(&format!("/payment-intents/{id}/events")).status,
        200
    );
    // A second later the intent answers again.
    std::thread::sleep(std::time::Duration::from_millis(1000).saturating_sub(started.elapsed()));
    let deadline = std::time::Instant::now() + DEADLINE;
    while api.get(&format!("/payment-intents/{id}")).status == 429 {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // Without the flag, reads are not limited.
    let relaxed = Api::start(FROZEN);
    let id = relaxed.create_ok(CAJA1, 1500);
    for _ in 0..5 {
        assert_eq!(relaxed.get(&format!("/payment-intents/{id}")).status, 200);
    }
}
