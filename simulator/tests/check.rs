//! `POST /integrators/check` against small webhook receivers running in the test.

mod common;

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use common::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

fn hmac_hex(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A webhook that serves exactly one request (or gives up after [`DEADLINE`]), answering
/// with `answer(challengeCode)`, and reports the request target it got.
struct Receiver {
    url: String,
    targets: mpsc::Receiver<String>,
    thread: JoinHandle<()>,
}

impl Receiver {
    fn start(answer: impl Fn(&str) -> (u16, String) + Send + 'static) -> Receiver {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let (tx, targets) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            if let Ok(Some(request)) = server.recv_timeout(DEADLINE) {
                let target = request.url().to_string();
                let challenge = target
                    .split(['?', '&'])
                    .find_map(|pair| pair.strip_prefix("challengeCode="))
                    .unwrap_or("")
                    .to_string();
                let (status, body) = answer(&challenge);
                tx.send(format!("{} {target}", request.method())).unwrap();
                let _ = request
                    .respond(tiny_http::Response::from_string(body).with_status_code(status));
            }
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook?shop=7"),
            targets,
            thread,
        }
    }

    fn request_line(self) -> String {
        let line = self
            .targets
            .recv_timeout(DEADLINE)
            .expect("the webhook was called");
        self.thread.join().unwrap();
        line
    }
}

fn set_webhook(api: &Api, url: &str) {
    let reply = api.call(
        "PATCH",
        "/integrators",
        Some(&json!({ "webhook": url }).to_string()),
    );
    assert_eq!(reply.status, 204, "{}", reply.raw);
}

fn is_valid(api: &Api) -> bool {
    api.get("/integrators").body["is_valid_webhook"]
        .as_bool()
        .unwrap()
}

#[test]
fn check_needs_a_webhook() {
    let api = Api::start(1000);
    let message = assert_error(&api.call("POST", "/integrators/check", None), 400);
    assert!(message.contains("webhook"), "{message}");
}

#[test]
fn correct_answer_validates_the_webhook() {
    let api = Api::start(1000);
    let token = api.sim.integrator_token();
    let receiver = Receiver::start(move |challenge| {
        (
            200,
            json!({ "encrypted_challenge": hmac_hex(&token, challenge) }).to_string(),
        )
    });
    set_webhook(&api, &receiver.url);
    assert!(!is_valid(&api));

    let reply = api.call("POST", "/integrators/check", None);
    assert_eq!(reply.status, 204, "{}", reply.raw);
    assert_eq!(reply.raw, "");
    assert!(is_valid(&api));
    let url = receiver.url.clone();
    let line = receiver.request_line();
    let challenge = line
        .strip_prefix("GET /hook?shop=7&challengeCode=")
        .unwrap_or_else(|| panic!("unexpected request {line}"));
    assert!(
        !challenge.is_empty() && challenge.bytes().all(|c| c.is_ascii_hexdigit()),
        "{challenge}"
    );

    // Re-sending the same URL keeps it validated; a new URL must be checked again.
    set_webhook(&api, &url);
    assert!(is_valid(&api));
    set_webhook(&api, "http://127.0.0.1:1/other");
    assert!(!is_valid(&api));
}

fn assert_check_fails(api: &Api, mentions: &str) {
    let reply = api.call("POST", "/integrators/check", None);
    let message = assert_error(&reply, 400);
    assert!(message.contains(mentions), "{message}");
    assert!(!is_valid(api));
}

#[test]
fn wrong_answers_are_rejected() {
    let api = Api::start(1000);
    let token = api.sim.integrator_token();

    let wrong_key = Receiver::start(|challenge| {
        (
            200,
            json!({ "encrypted_challenge": hmac_hex("not-the-token", challenge) }).to_string(),
        )
    });
    set_webhook(&api, &wrong_key.url);
    assert_check_fails(&api, "does not match");
    wrong_key.request_line();

    let upper = token.clone();
    let upper_case = Receiver::start(move |challenge| {
        let answer = hmac_hex(&upper, challenge).to_uppercase();
        (200, json!({ "encrypted_challenge": answer }).to_string())
    });
    set_webhook(&api, &upper_case.url);
    assert_check_fails(&api, "lower-case hex");
    upper_case.request_line();

    let failing = Receiver::start(move |challenge| {
        (
            500,
            json!({ "encrypted_challenge": hmac_hex(&token, challenge) }).to_string(),
        )
    });
    set_webhook(&api, &failing.url);
    assert_check_fails(&api, "HTTP 500");
    failing.request_line();

    let not_json = Receiver::start(|_| (200, "ok".to_string()));
    set_webhook(&api, &not_json.url);
    assert_check_fails(&api, "not JSON");
    not_json.request_line();
}

#[test]
fn unreachable_webhook_is_rejected() {
    let api = Api::start(1000);
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    set_webhook(&api, &format!("http://127.0.0.1:{port}/hook"));
    let started = std::time::Instant::now();
    assert_check_fails(&api, "unreachable");
    assert!(started.elapsed() < Duration::from_secs(6));
}
