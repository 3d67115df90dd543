//! Webhooks end to end: a receiver written the way a POS integrator would write it with this
//! library answers the simulator's challenge, gets every state change of a sale and of its
//! refund, and checks the signed ones.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mppoint::{parse_notification, sign_challenge, verify_signature, IntentState};
use point_sim::{SimConfig, Simulator};
use serde_json::Value;
use support::sim::{client_for, create, eventually, start, wait_final, DEVICE};

const SECRET: &str = "panel-webhook-secret";

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Received {
    url: String,
    x_signature: Option<String>,
    x_request_id: Option<String>,
    body: String,
}

struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn header(request: &tiny_http::Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_owned())
}

/// A webhook endpoint: `GET ?challengeCode=X` is answered with `mp_sign_challenge`'s HMAC
/// keyed by the integrator token; every POST is recorded.
fn receiver(token: String) -> Receiver {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let (srv, log) = (Arc::clone(&server), Arc::clone(&got));
    let thread = std::thread::spawn(move || {
        while let Ok(mut request) = srv.recv() {
            let url = request.url().to_owned();
            if *request.method() == tiny_http::Method::Get {
                let code = url.split("challengeCode=").nth(1).unwrap_or("").to_owned();
                let answer = format!(
                    "{{\"encrypted_challenge\":\"{}\"}}",
                    sign_challenge(&token, &code).unwrap()
                );
                let _ = request.respond(tiny_http::Response::from_string(answer));
                continue;
            }
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            log.lock().unwrap().push(Received {
                url,
                x_signature: header(&request, "x-signature"),
                x_request_id: header(&request, "x-request-id"),
                body,
            });
            let _ = request.respond(tiny_http::Response::empty(200));
        }
    });
    Receiver {
        url: format!("http://127.0.0.1:{port}/webhook"),
        got,
        server,
        thread: Some(thread),
    }
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// States of `id` in the order the receiver got them, from notifications signed or not.
fn states_for(got: &[Received], id: &str, signed: bool) -> Vec<IntentState> {
    got.iter()
        .filter(|r| r.x_signature.is_some() == signed)
        .filter_map(|r| parse_notification(&r.body).ok())
        .filter(|n| n.normalized["intent_id"] == id)
        .map(|n| n.state)
        .collect()
}

fn simulator() -> Simulator {
    start(SimConfig {
        step_ms: 40,
        webhook_secret: Some(SECRET.to_owned()),
        ..SimConfig::default()
    })
}

#[test]
fn every_state_change_of_a_sale_and_its_refund_reaches_the_webhook() {
    let sim = simulator();
    let client = client_for(&sim);
    let rx = receiver(sim.integrator_token());
    client.set_webhook(&rx.url).unwrap();
    client.check_webhook().unwrap();

    let id = create(&client, 1500);
    let (_, intent) = wait_final(&client, &id);
    let all = [
        IntentState::Open,
        IntentState::OnTerminal,
        IntentState::Processing,
        IntentState::Processed,
        IntentState::Finished,
    ];
    for signed in [false, true] {
        let states = eventually(Duration::from_secs(5), || {
            let got = rx.got.lock().unwrap().clone();
            let states = states_for(&got, &id, signed);
            (states.len() == all.len()).then_some(states)
        });
        assert_eq!(states, all, "signed: {signed}");
    }
    let got = rx.got.lock().unwrap().clone();
    let last = got
        .iter()
        .rev()
        .find(|r| r.x_signature.is_none())
        .map(|r| parse_notification(&r.body).unwrap())
        .unwrap();
    assert_eq!(last.normalized["payment_id"], intent["payment"]["id"]);
    assert_eq!(last.normalized["payment_state"], "approved");
    assert_eq!(last.normalized["amount"], 1500);

    // The refund's changes arrive too, as refund notifications of that payment.
    let payment_id = intent["payment"]["id"].as_str().unwrap();
    let refund = client
        .create_refund(DEVICE, &mppoint::NewRefund::of(payment_id), None)
        .unwrap();
    let refund_id = serde_json::from_str::<Value>(refund.json()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refund_finished = eventually(Duration::from_secs(5), || {
        let got = rx.got.lock().unwrap().clone();
        got.iter()
            .filter_map(|r| parse_notification(&r.body).ok())
            .find(|n| n.normalized["intent_id"] == refund_id.as_str() && n.state.is_final())
    });
    assert_eq!(refund_finished.state, IntentState::Finished);
    assert_eq!(refund_finished.normalized["kind"], "refund");
    assert_eq!(refund_finished.normalized["payment_id"], payment_id);
}

#[test]
fn signed_notifications_verify_and_forgeries_do_not() {
    let sim = simulator();
    let client = client_for(&sim);
    let rx = receiver(sim.integrator_token());
    client.set_webhook(&rx.url).unwrap();
    client.check_webhook().unwrap();
    let id = create(&client, 1500);
    wait_final(&client, &id);
    let signed: Vec<Received> = eventually(Duration::from_secs(5), || {
        let got = rx.got.lock().unwrap().clone();
        let signed: Vec<Received> = got
            .into_iter()
            .filter(|r| r.x_signature.is_some())
            .collect();
        (signed.len() >= 5).then_some(signed)
    });

    for r in &signed {
        let header = r.x_signature.as_deref().unwrap();
        let request_id = r.x_request_id.as_deref();
        let data_id = query_param(&r.url, "data.id").expect("data.id in the URL");
        // A receiver checks that the body speaks of the object the signature covers.
        let notification = parse_notification(&r.body).unwrap();
        assert_eq!(notification.normalized["intent_id"], data_id.as_str());
        assert!(
            notification.normalized["caller_id"].is_string(),
            "{}",
            r.body
        );
        verify_signature(SECRET, header, request_id, Some(&data_id), 300, 0)
            .unwrap_or_else(|e| panic!("{}: {}", header, e.message()));

        // A body rewritten to speak of another intent no longer matches the signature.
        let forged = r.body.replace(&id, "00000000-0000-4000-8000-000000000000");
        let forged_id = parse_notification(&forged).unwrap().normalized["intent_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let e = verify_signature(SECRET, header, request_id, Some(&forged_id), 300, 0).unwrap_err();
        assert!(e.message().contains("does not match"), "{}", e.message());
        let e = verify_signature("not-the-secret", header, request_id, Some(&data_id), 300, 0)
            .unwrap_err();
        assert!(e.message().contains("does not match"), "{}", e.message());
        // Replayed an hour later: refused by the tolerance.
        let ts: i64 = header
            .split(',')
            .find_map(|p| p.trim().strip_prefix("ts="))
            .unwrap()
            .parse()
            .unwrap();
        let ts_s = if ts >= 100_000_000_000 { ts / 1000 } else { ts };
        let e = verify_signature(SECRET, header, request_id, Some(&data_id), 300, ts_s + 3600)
            .unwrap_err();
        assert!(e.message().contains("stale"), "{}", e.message());
    }
}

#[test]
fn no_notification_is_sent_before_the_webhook_is_checked() {
    let sim = simulator();
    let client = client_for(&sim);
    let rx = receiver(sim.integrator_token());
    client.set_webhook(&rx.url).unwrap();
    let id = create(&client, 1500);
    wait_final(&client, &id);
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.got.lock().unwrap().is_empty());
}
