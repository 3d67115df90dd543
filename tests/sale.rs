//! Whole sales against the in-process simulator: the behaviour a POS relies on, end to end
//! through the core API.

use std::time::Duration;

use mppoint::{
    sign_challenge, Client, Config, DeviceFilters, ErrorKind, IntentState, NewSale, OperatingMode,
    Progress, WaitEnd,
};
use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";

fn simulator(step_ms: u64) -> Simulator {
    Simulator::start(SimConfig {
        step_ms,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn client_for(sim: &Simulator, extra: Value) -> Client {
    let mut options = json!({
        "access_token": "TEST-mppoint-tests",
        "base_url": sim.base_url(),
        "poll_interval_ms": 20,
        "timeout_ms": 5000,
    });
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

fn create(client: &Client, amount: i64, reference: &str) -> String {
    let sale = NewSale::simple(amount, Some(reference), true);
    let created = client.create_intent(DEVICE, &sale, None).unwrap();
    assert!(created.http_status() == 200 || created.http_status() == 201);
    let value: Value = serde_json::from_str(created.json()).unwrap();
    assert_eq!(value["amount"], amount);
    assert_eq!(value["additional_info"]["external_reference"], reference);
    value["id"].as_str().unwrap().to_owned()
}

fn wait(client: &Client, id: &str) -> (IntentState, Value, Vec<IntentState>) {
    let mut seen = Vec::new();
    let outcome = client
        .wait_intent(id, Duration::from_secs(10), &mut |state, _| {
            if seen.last() != Some(&state) {
                seen.push(state);
            }
            Progress::Continue
        })
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Final);
    let json = serde_json::from_str(outcome.json.as_deref().unwrap()).unwrap();
    (outcome.state, json, seen)
}

#[test]
fn the_amount_table_decides_each_sale() {
    let sim = simulator(30);
    let client = client_for(&sim, json!({}));
    for (amount, state, payment_state) in [
        (1500, IntentState::Finished, Some("approved")),
        (1200, IntentState::Finished, Some("rejected")),
        (1100, IntentState::Finished, Some("refunded")),
        (1300, IntentState::Error, None),
    ] {
        let id = create(&client, amount, &format!("sale-{amount}"));
        let (final_state, json, seen) = wait(&client, &id);
        assert_eq!(final_state, state, "{amount}");
        assert_eq!(json["id"], id.as_str());
        match payment_state {
            Some(expected) => {
                assert_eq!(json["payment"]["state"], expected, "{amount}");
                let payment_id = json["payment"]["id"].as_str().unwrap();
                assert!(
                    payment_id.bytes().all(|b| b.is_ascii_digit()),
                    "{payment_id}"
                );
            }
            None => assert!(json.get("payment").is_none_or(Value::is_null), "{json}"),
        }
        assert_eq!(seen.last(), Some(&state));
        assert!(seen.windows(2).all(|w| w[0] != w[1]));
    }
}

#[test]
fn a_busy_device_refuses_a_second_intent_until_the_first_is_cancelled() {
    let sim = simulator(5_000);
    let client = client_for(&sim, json!({}));
    let first = create(&client, 2500, "first");
    let body = NewSale::simple(3000, None, false);
    let err = client.create_intent(DEVICE, &body, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DeviceBusy);
    assert_eq!(err.http_status(), Some(409));

    let reply = client.cancel_intent(DEVICE, &first).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap()["id"],
        first.as_str()
    );
    assert_eq!(
        client.intent(&first).unwrap().state(),
        IntentState::Canceled
    );
    create(&client, 3000, "second");
}

#[test]
fn an_intent_on_the_terminal_cannot_be_cancelled_from_the_pos() {
    let sim = simulator(150);
    let client = client_for(&sim, json!({}));
    let id = create(&client, 1500, "locked");
    let outcome = client
        .wait_intent(&id, Duration::from_secs(5), &mut |state, _| {
            if state == IntentState::OnTerminal {
                Progress::Stop
            } else {
                Progress::Continue
            }
        })
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Aborted);
    assert_eq!(outcome.state, IntentState::OnTerminal);
    let err = client.cancel_intent(DEVICE, &id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IntentLocked, "{}", err.message());
    let (state, _, _) = wait(&client, &id);
    assert_eq!(state, IntentState::Finished);
}

#[test]
fn the_same_idempotency_key_gives_back_the_same_intent() {
    let sim = simulator(5_000);
    let client = client_for(&sim, json!({}));
    let body = NewSale::from_json(
        r#"{"amount": 1500, "additional_info": {"external_reference": "idem"}}"#,
    )
    .unwrap();
    let first = client
        .create_intent(DEVICE, &body, Some("pos-7-ticket-42"))
        .unwrap();
    let again = client
        .create_intent(DEVICE, &body, Some("pos-7-ticket-42"))
        .unwrap();
    let id = |s: &mppoint::Sale| s.id();
    assert_eq!(
        id(&first),
        id(&again),
        "a repeated create is not a second sale"
    );
    let other = NewSale::new(1600);
    let err = client
        .create_intent(DEVICE, &other, Some("pos-7-ticket-42"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{}", err.message());
}

#[test]
fn devices_are_listed_filtered_and_switched() {
    let sim = simulator(1_000);
    let client = client_for(&sim, json!({}));
    let all: Value =
        serde_json::from_str(&client.list_devices(&DeviceFilters::default()).unwrap().body)
            .unwrap();
    let devices = all["devices"].as_array().unwrap();
    assert!(devices.len() >= 2);
    assert!(devices.iter().any(|d| d["id"] == DEVICE));

    let one = DeviceFilters {
        limit: Some(1),
        ..DeviceFilters::default()
    };
    let page: Value = serde_json::from_str(&client.list_devices(&one).unwrap().body).unwrap();
    assert_eq!(page["devices"].as_array().unwrap().len(), 1);
    assert_eq!(page["paging"]["total"], devices.len());

    let store = devices[0]["store_id"].as_str().unwrap().to_owned();
    let by_store = DeviceFilters {
        store_id: Some(store.clone()),
        ..DeviceFilters::default()
    };
    let filtered: Value =
        serde_json::from_str(&client.list_devices(&by_store).unwrap().body).unwrap();
    assert!(filtered["devices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["store_id"] == store.as_str()));

    let reply = client
        .set_operating_mode(DEVICE, OperatingMode::Standalone)
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap()["operating_mode"],
        "STANDALONE"
    );
    let err = client
        .set_operating_mode("NO_SUCH_DEVICE", OperatingMode::Pdv)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn events_tell_the_last_state_for_reconciliation() {
    let sim = simulator(20);
    let client = client_for(&sim, json!({}));
    let id = create(&client, 1500, "events");
    let (state, _, _) = wait(&client, &id);
    let last: Value = serde_json::from_str(&client.intent_last_event(&id).unwrap().body).unwrap();
    assert_eq!(last["status"], state.as_str());

    let today = last["created_on"].as_str().unwrap()[..10].to_owned();
    let events: Value =
        serde_json::from_str(&client.intent_events(&today, &today).unwrap().body).unwrap();
    assert!(events["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["payment_intent_id"] == id.as_str() && e["status"] == "FINISHED"));

    let err = client
        .intent_events("2026-01-01", "2026-03-01")
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidArgument,
        "a range over 30 days is refused before anything is sent"
    );
    assert_eq!(err.http_status(), None);
    // Exactly 30 days is what the service accepts.
    client.intent_events("2026-01-01", "2026-01-31").unwrap();
    let err = client
        .intent_events("2026-03-01", "2026-01-01")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        client
            .intent_last_event("no-such-intent")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

/// A webhook receiver like the one a POS runs: it answers the challenge with
/// `sign_challenge(secret, challengeCode)`.
fn webhook_receiver(secret: String) -> (String, std::thread::JoinHandle<()>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhook", server.server_addr().to_ip().unwrap());
    let handle = std::thread::spawn(move || {
        if let Ok(Some(request)) = server.recv_timeout(Duration::from_secs(10)) {
            let challenge = request
                .url()
                .split_once("challengeCode=")
                .map(|(_, c)| c.split('&').next().unwrap().to_owned())
                .unwrap_or_default();
            let answer =
                json!({ "encrypted_challenge": sign_challenge(&secret, &challenge).unwrap() });
            let _ = request.respond(tiny_http::Response::from_string(answer.to_string()));
        }
    });
    (url, handle)
}

#[test]
fn the_webhook_challenge_is_answered_with_the_integrator_token() {
    let sim = simulator(1_000);
    let client = client_for(&sim, json!({}));
    let integrator: Value = serde_json::from_str(&client.integrator().unwrap().body).unwrap();
    let token = integrator["token"].as_str().unwrap().to_owned();
    assert_eq!(token, sim.integrator_token());

    let (url, receiver) = webhook_receiver(token);
    client.set_webhook(&url).unwrap();
    let reply = client.check_webhook().unwrap();
    assert!(reply.status == 200 || reply.status == 204);
    receiver.join().unwrap();
    let integrator: Value = serde_json::from_str(&client.integrator().unwrap().body).unwrap();
    assert_eq!(integrator["webhook"], url.as_str());
    assert_eq!(integrator["is_valid_webhook"], true);

    let (url, receiver) = webhook_receiver("not-the-token".into());
    client.set_webhook(&url).unwrap();
    let err = client.check_webhook().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{}", err.message());
    receiver.join().unwrap();
    assert!(client.set_webhook("ftp://x").is_err());
}

#[test]
fn a_wrong_token_is_unauthorized() {
    let sim = Simulator::start(SimConfig {
        access_token: Some("TEST-the-right-one".into()),
        ..SimConfig::default()
    })
    .unwrap();
    let client = client_for(&sim, json!({}));
    let err = client.list_devices(&DeviceFilters::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.http_status(), Some(401));
    assert!(!err.message().contains("TEST-mppoint-tests"));
    let right = client_for(&sim, json!({"access_token": "TEST-the-right-one"}));
    right.list_devices(&DeviceFilters::default()).unwrap();
}

#[test]
fn amounts_are_checked_locally_against_the_site_and_by_the_service() {
    let sim = simulator(1_000);
    let client = client_for(&sim, json!({"site": "MLA"}));
    let err = client
        .create_intent(DEVICE, &NewSale::simple(100, None, false), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.idempotency_key().is_none(), "nothing was sent");
    // Without a site the library lets 100 through and the simulator (MLA) refuses it.
    let client = client_for(&sim, json!({}));
    let body = NewSale::simple(100, None, false);
    let err = client.create_intent(DEVICE, &body, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert!(err.message().contains("amount"), "{}", err.message());
}

#[test]
fn unknown_intents_are_not_found_and_bad_ids_never_leave_the_library() {
    let sim = simulator(1_000);
    let client = client_for(&sim, json!({}));
    let err = client
        .intent("00000000-0000-4000-8000-000000000000")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = client.intent("../devices").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(err.http_status(), None);
}
