//! Webhook notifications: after a successful `POST /integrators/check`, every state change
//! reaches the webhook in order, in the guide's format and (with a secret) today's signed
//! one; failed attempts are retried and every attempt is listed at `/_sim/webhooks`.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use hmac::{Hmac, Mac};
use point_sim::SimConfig;
use serde_json::{json, Value};
use sha2::Sha256;

const STEP_MS: u64 = 50;
const SALE: [&str; 5] = ["OPEN", "ON_TERMINAL", "PROCESSING", "PROCESSED", "FINISHED"];

fn hmac_hex(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// One notification as the webhook received it.
#[derive(Debug, Clone)]
struct Post {
    target: String,
    headers: Vec<(String, String)>,
    body: Value,
    /// What the webhook answered.
    status: u16,
    at: Instant,
}

impl Post {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn state(&self) -> &str {
        self.body["state"].as_str().unwrap()
    }

    fn signed(&self) -> bool {
        self.header("x-signature").is_some()
    }
}

/// A webhook: answers the challenge with the integrator token, records every POST and
/// answers 500 to the first `fail_first` of them.
struct Hook {
    url: String,
    posts: Arc<Mutex<Vec<Post>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Hook {
    fn start(token: String, fail_first: usize) -> Hook {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let posts = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (posts, stop) = (Arc::clone(&posts), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(20))
                    else {
                        continue;
                    };
                    let target = request.url().to_string();
                    if *request.method() == tiny_http::Method::Get {
                        let code = target
                            .split(['?', '&'])
                            .find_map(|pair| pair.strip_prefix("challengeCode="))
                            .unwrap_or("");
                        let answer = json!({"encrypted_challenge": hmac_hex(&token, code)});
                        let _ =
                            request.respond(tiny_http::Response::from_string(answer.to_string()));
                        continue;
                    }
                    let mut text = String::new();
                    request.as_reader().read_to_string(&mut text).unwrap();
                    let mut posts = posts.lock().unwrap();
                    let status = if posts.len() < fail_first { 500 } else { 200 };
                    posts.push(Post {
                        target,
                        headers: request
                            .headers()
                            .iter()
                            .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                            .collect(),
                        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
                        status,
                        at: Instant::now(),
                    });
                    drop(posts);
                    let _ = request.respond(tiny_http::Response::empty(status));
                }
            })
        };
        Hook {
            url: format!("http://127.0.0.1:{port}/hook?shop=7"),
            posts,
            stop,
            thread: Some(thread),
        }
    }

    /// Waits until `done(posts)` holds (or panics after [`DEADLINE`]).
    fn wait_until(&self, what: &str, done: impl Fn(&[Post]) -> bool) -> Vec<Post> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let posts = self.posts.lock().unwrap().clone();
            if done(&posts) {
                return posts;
            }
            assert!(
                Instant::now() < deadline,
                "never got {what}; got {posts:#?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn accepted<'a>(posts: &'a [Post], id: &str, signed: bool) -> Vec<&'a Post> {
        posts
            .iter()
            .filter(|p| p.status == 200 && p.body["id"] == id && p.signed() == signed)
            .collect()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn start(secret: Option<&str>) -> Api {
    Api::with_config(SimConfig {
        step_ms: STEP_MS,
        webhook_secret: secret.map(str::to_string),
        ..SimConfig::default()
    })
}

/// Registers and checks the webhook.
fn register(api: &Api, hook: &Hook) {
    let patch = api.call(
        "PATCH",
        "/integrators",
        Some(&json!({ "webhook": hook.url }).to_string()),
    );
    assert_eq!(patch.status, 204, "{}", patch.raw);
    let check = api.call("POST", "/integrators/check", None);
    assert_eq!(check.status, 204, "{}", check.raw);
}

fn deliveries(api: &Api) -> Vec<Value> {
    let mut response = api
        .agent
        .get(format!("{}/_sim/webhooks", api.base_url))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    body["deliveries"].as_array().unwrap().clone()
}

fn sale(api: &Api, device: &str, amount: i64, reference: &str) -> String {
    let reply = api.create(
        device,
        &json!({"amount": amount, "additional_info": {"external_reference": reference}}),
    );
    assert_eq!(reply.status, 201, "{}", reply.raw);
    reply.body["id"].as_str().unwrap().to_string()
}

fn is_notification_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn every_change_after_the_check_arrives_in_order_in_the_guides_format() {
    let api = start(None);
    let hook = Hook::start(api.sim.integrator_token(), 0);
    // A sale finished before the webhook was checked is never notified.
    let before = sale(&api, CAJA2, 1300, "before");
    api.wait_for_state(&before, "ERROR");
    register(&api, &hook);

    let id = sale(&api, CAJA1, 1500, "ref-42");
    let posts = hook.wait_until("the whole sale", |p| {
        Hook::accepted(p, &id, false).len() == 5
    });
    let (_, intent) = api.wait_for_state(&id, "FINISHED");
    let states: Vec<&str> = posts.iter().map(Post::state).collect();
    assert_eq!(states, SALE, "nothing else, in order");
    let created_at = posts[0].body["created_at"].as_str().unwrap();
    assert!(is_notification_time(created_at), "{created_at}");
    for post in &posts {
        assert_eq!(post.target, "/hook?shop=7");
        assert_eq!(post.header("content-type"), Some("application/json"));
        assert_eq!(post.header("x-signature"), None);
        assert_eq!(post.body["id"], id.as_str());
        assert_eq!(post.body["amount"], 1500);
        assert_eq!(
            post.body["created_at"], created_at,
            "the intent's creation time"
        );
        assert_eq!(
            post.body["additional_info"],
            json!({"external_reference": "ref-42"})
        );
    }
    assert_eq!(
        posts[0].body.get("payment"),
        None,
        "no payment before PROCESSED"
    );
    let payment_id: u64 = intent["payment"]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        posts[4].body["payment"],
        json!({"id": payment_id, "type": "credit_card", "state": "approved"})
    );
    assert_eq!(posts[3].body["payment"]["id"], payment_id);

    let records = deliveries(&api);
    assert_eq!(records.len(), 5);
    for (n, (record, post)) in records.iter().zip(&posts).enumerate() {
        assert_eq!(record["seq"].as_u64().unwrap(), n as u64 + 1);
        assert_eq!(record["format"], "guide");
        assert_eq!(record["resource"], "payment_intent");
        assert_eq!(record["id"], id.as_str());
        assert_eq!(record["state"], SALE[n]);
        assert_eq!(record["attempt"], 1);
        assert_eq!(record["url"], hook.url.as_str());
        assert_eq!(record["status"], 200);
        assert!(record["error"].is_null());
        assert_eq!(record["body"], post.body);
        assert_eq!(record["headers"]["Content-Type"], "application/json");
        assert!(record["at"].is_string());
    }
    // DELETE forgets the record.
    let cleared = api
        .agent
        .delete(format!("{}/_sim/webhooks", api.base_url))
        .call()
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(deliveries(&api).is_empty());
}

#[test]
fn with_a_secret_each_change_also_goes_out_signed() {
    const SECRET: &str = "app-secret-1";
    let api = start(Some(SECRET));
    let hook = Hook::start(api.sim.integrator_token(), 0);
    register(&api, &hook);
    let approved = sale(&api, CAJA1, 1500, "signed-1");
    hook.wait_until("both formats", |p| {
        Hook::accepted(p, &approved, false).len() == 5
            && Hook::accepted(p, &approved, true).len() == 5
    });
    let failed = sale(&api, CAJA1, 1300, "signed-2");
    let posts = hook.wait_until("the failed sale", |p| {
        Hook::accepted(p, &failed, true).last().map(|p| p.state()) == Some("ERROR")
    });

    let guide = Hook::accepted(&posts, &approved, false);
    let signed = Hook::accepted(&posts, &approved, true);
    assert_eq!(signed.iter().map(|p| p.state()).collect::<Vec<_>>(), SALE);
    let mut request_ids = Vec::new();
    for (plain, post) in guide.iter().zip(&signed) {
        assert_eq!(
            post.target,
            format!("/hook?shop=7&data.id={approved}&type=point_integration_wh")
        );
        let request_id = post.header("x-request-id").expect("x-request-id");
        request_ids.push(request_id.to_string());
        let signature = post.header("x-signature").unwrap();
        let (ts, v1) = signature
            .strip_prefix("ts=")
            .and_then(|rest| rest.split_once(",v1="))
            .unwrap_or_else(|| panic!("bad x-signature {signature}"));
        assert!(
            ts.len() == 13 && ts.bytes().all(|b| b.is_ascii_digit()),
            "{ts}"
        );
        assert_eq!(
            v1,
            hmac_hex(
                SECRET,
                &format!("id:{approved};request-id:{request_id};ts:{ts};")
            )
        );
        // The same object plus the account numbers.
        let mut body = post.body.clone();
        assert!(
            body["caller_id"].is_u64() && body["client_id"].is_u64(),
            "{body}"
        );
        let object = body.as_object_mut().unwrap();
        object.remove("caller_id");
        object.remove("client_id");
        assert_eq!(body, plain.body);
    }
    request_ids.sort();
    request_ids.dedup();
    assert_eq!(request_ids.len(), 5, "a new request id each time");
    let finished = signed.last().unwrap();
    assert_eq!(finished.body["payment"]["state"], "approved");
    // An ERROR carries no payment in today's format.
    let error = Hook::accepted(&posts, &failed, true);
    assert_eq!(error.last().unwrap().body.get("payment"), None);

    let records = deliveries(&api);
    assert!(records.iter().any(|r| r["format"] == "signed"
        && r["headers"]["x-signature"].is_string()
        && r["url"].as_str().unwrap().contains("&data.id=")));
}

#[test]
fn a_failing_webhook_is_retried_with_backoff_and_order_is_kept() {
    let api = start(None);
    let hook = Hook::start(api.sim.integrator_token(), 3);
    register(&api, &hook);
    let id = sale(&api, CAJA1, 1500, "retry");
    let posts = hook.wait_until("the whole sale", |p| {
        Hook::accepted(p, &id, false).len() == 5
    });
    // OPEN refused three times, then accepted; only then the next states, in order.
    let states: Vec<(&str, u16)> = posts.iter().map(|p| (p.state(), p.status)).collect();
    assert_eq!(
        states,
        [
            ("OPEN", 500),
            ("OPEN", 500),
            ("OPEN", 500),
            ("OPEN", 200),
            ("ON_TERMINAL", 200),
            ("PROCESSING", 200),
            ("PROCESSED", 200),
            ("FINISHED", 200)
        ]
    );
    for (n, backoff_ms) in [200u64, 400, 800].into_iter().enumerate() {
        let gap = posts[n + 1].at - posts[n].at;
        assert!(
            gap >= Duration::from_millis(backoff_ms - 10),
            "retry {} came after {gap:?}",
            n + 1
        );
    }
    let records = deliveries(&api);
    let open: Vec<(u64, Value, bool)> = records
        .iter()
        .filter(|r| r["state"] == "OPEN")
        .map(|r| {
            (
                r["attempt"].as_u64().unwrap(),
                r["status"].clone(),
                r["error"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        open,
        [
            (1, json!(500), true),
            (2, json!(500), true),
            (3, json!(500), true),
            (4, json!(200), false)
        ]
    );
}

#[test]
fn a_notification_is_given_up_after_five_attempts_and_the_next_goes_out() {
    let api = start(None);
    let hook = Hook::start(api.sim.integrator_token(), 5);
    register(&api, &hook);
    let id = sale(&api, CAJA1, 1500, "give-up");
    let posts = hook.wait_until("the rest of the sale", |p| {
        Hook::accepted(p, &id, false).len() == 4
    });
    let states: Vec<&str> = posts.iter().map(Post::state).collect();
    assert_eq!(
        states,
        [
            "OPEN",
            "OPEN",
            "OPEN",
            "OPEN",
            "OPEN",
            "ON_TERMINAL",
            "PROCESSING",
            "PROCESSED",
            "FINISHED"
        ]
    );
    // Recorded, and never tried a sixth time.
    std::thread::sleep(Duration::from_millis(300));
    let records = deliveries(&api);
    let open_attempts: Vec<u64> = records
        .iter()
        .filter(|r| r["state"] == "OPEN")
        .map(|r| r["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(open_attempts, [1, 2, 3, 4, 5]);
    assert_eq!(hook.posts.lock().unwrap().len(), 9);
}

#[test]
fn an_unreachable_webhook_is_recorded_as_an_error() {
    let api = start(None);
    let hook = Hook::start(api.sim.integrator_token(), 0);
    register(&api, &hook);
    let url = hook.url.clone();
    drop(hook); // the port is closed now: connections are refused
    let id = sale(&api, CAJA1, 1500, "gone");
    let deadline = Instant::now() + DEADLINE;
    let failed = loop {
        let records = deliveries(&api);
        if let Some(record) = records.iter().find(|r| r["id"] == id.as_str()) {
            break record.clone();
        }
        assert!(Instant::now() < deadline, "no attempt recorded");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(failed["url"], url.as_str());
    assert!(failed["status"].is_null());
    assert!(
        failed["error"].as_str().unwrap().contains("unreachable"),
        "{failed}"
    );
}

#[test]
fn refunds_are_notified_in_their_own_shape() {
    let api = start(Some("refund-secret"));
    let hook = Hook::start(api.sim.integrator_token(), 0);
    register(&api, &hook);
    let sale_id = sale(&api, CAJA1, 2500, "to-refund");
    let (_, intent) = api.wait_for_state(&sale_id, "FINISHED");
    let payment_id = intent["payment"]["id"].as_str().unwrap().to_string();
    let created = api.call(
        "POST",
        &format!("/devices/{CAJA1}/refund"),
        Some(&json!({"payment_id": payment_id, "additional_info": {"print_on_terminal": ["SELLER_TICKET"]}}).to_string()),
    );
    assert_eq!(created.status, 201, "{}", created.raw);
    let refund_id = created.body["id"].as_str().unwrap().to_string();
    let posts = hook.wait_until("the refund's final state", |p| {
        [false, true].iter().all(|&signed| {
            Hook::accepted(p, &refund_id, signed)
                .last()
                .map(|p| p.state())
                == Some("FINISHED")
        })
    });
    let guide = Hook::accepted(&posts, &refund_id, false);
    assert_eq!(guide.first().unwrap().state(), "OPEN");
    let payment_number: u64 = payment_id.parse().unwrap();
    for post in &guide {
        let body = &post.body;
        assert_eq!(body["payment_id"], payment_number);
        assert_eq!(body["device_id"], CAJA1);
        assert_eq!(
            body["additional_info"]["print_on_terminal"],
            json!(["SELLER_TICKET"])
        );
        assert!(is_notification_time(body["created_at"].as_str().unwrap()));
        assert_eq!(body.get("amount"), None);
    }
    let signed = Hook::accepted(&posts, &refund_id, true);
    assert_eq!(signed.len(), guide.len());
    assert!(signed[0].target.contains(&format!("data.id={refund_id}&")));
    assert!(deliveries(&api)
        .iter()
        .any(|r| r["resource"] == "refund" && r["id"] == refund_id.as_str()));
}
