//! Orders API notifications: every status change of an order is POSTed, signed, to the URL
//! of `--orders-webhook-url` with `?data.id=<ORD…>&type=order`, in order, and recorded at
//! `/_sim/webhooks`. The signature is checked here with hmac/sha2, not with the library.

mod common;
mod control;
mod orders_client;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use control::Control;
use hmac::{Hmac, Mac};
use orders_client::*;
use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "orders-secret";
const FAST: u64 = 40;

fn hmac_hex(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[derive(Debug, Clone)]
struct Post {
    target: String,
    headers: Vec<(String, String)>,
    body: Value,
    status: u16,
}

impl Post {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    /// (ts, v1) of `x-signature: ts=…,v1=…`.
    fn signature(&self) -> (String, String) {
        let value = self.header("x-signature");
        let (ts, v1) = value
            .strip_prefix("ts=")
            .and_then(|rest| rest.split_once(",v1="))
            .unwrap_or_else(|| panic!("bad x-signature {value}"));
        (ts.to_string(), v1.to_string())
    }

    fn action(&self) -> &str {
        self.body["action"].as_str().unwrap()
    }
}

/// A webhook receiver that records every POST and answers 500 to the first `fail_first`.
struct Hook {
    url: String,
    posts: Arc<Mutex<Vec<Post>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Hook {
    fn start(fail_first: usize) -> Hook {
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
                    let mut text = String::new();
                    request.as_reader().read_to_string(&mut text).unwrap();
                    let mut posts = posts.lock().unwrap();
                    let status = if posts.len() < fail_first { 500 } else { 200 };
                    posts.push(Post {
                        target: request.url().to_string(),
                        headers: request
                            .headers()
                            .iter()
                            .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                            .collect(),
                        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
                        status,
                    });
                    drop(posts);
                    let _ = request.respond(tiny_http::Response::empty(status));
                }
            })
        };
        Hook {
            url: format!("http://127.0.0.1:{port}/orders?shop=7"),
            posts,
            stop,
            thread: Some(thread),
        }
    }

    /// The accepted notifications of order `id`, once `count` of them arrived.
    fn wait_for(&self, id: &str, count: usize) -> Vec<Post> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let posts: Vec<Post> = self
                .posts
                .lock()
                .unwrap()
                .iter()
                .filter(|p| p.status == 200 && p.body["data"]["id"] == id)
                .cloned()
                .collect();
            if posts.len() >= count {
                return posts;
            }
            assert!(Instant::now() < deadline, "got only {posts:#?}");
            std::thread::sleep(Duration::from_millis(10));
        }
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

fn start(hook: &Hook, manual: bool, lowercase: bool) -> Api {
    Api::with_config(SimConfig {
        step_ms: FAST,
        manual,
        webhook_secret: Some(SECRET.into()),
        orders_webhook_url: Some(hook.url.clone()),
        orders_webhook_lowercase_id: lowercase,
        ..SimConfig::default()
    })
}

fn deliveries(api: &Api) -> Vec<Value> {
    api.sim_get("/_sim/webhooks").body["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn every_status_change_is_notified_signed_and_in_order() {
    let hook = Hook::start(0);
    let api = start(&hook, false, false);
    let created = api.create_order("k1", &order_body(CAJA1, "15.00", "sale-7"));
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap().to_string();
    // An intent on another terminal meanwhile: it never reaches the orders webhook.
    let intent = api.create_ok(CAJA2, 1500);

    let posts = hook.wait_for(&id, 3);
    let (_, order) = api.wait_for_status(&id, "processed");
    api.wait_for_state(&intent, "FINISHED");
    let actions: Vec<&str> = posts.iter().map(Post::action).collect();
    assert_eq!(
        actions,
        ["order.created", "order.at_terminal", "order.processed"]
    );
    let mut request_ids = Vec::new();
    for (n, post) in posts.iter().enumerate() {
        assert_eq!(
            post.target,
            format!("/orders?shop=7&data.id={id}&type=order")
        );
        assert_eq!(post.header("content-type"), "application/json");
        let request_id = post.header("x-request-id").to_string();
        let (ts, v1) = post.signature();
        assert!(
            ts.bytes().all(|b| b.is_ascii_digit()) && ts.len() == 13,
            "{ts}"
        );
        // Signed with the id as it is sent (upper case).
        assert_eq!(
            v1,
            hmac_hex(SECRET, &format!("id:{id};request-id:{request_id};ts:{ts};"))
        );
        assert_ne!(
            v1,
            hmac_hex(
                SECRET,
                &format!("id:{};request-id:{request_id};ts:{ts};", id.to_lowercase())
            )
        );
        request_ids.push(request_id);
        let body = &post.body;
        assert_eq!(body["type"], "order");
        assert_eq!(body["api_version"], "v1");
        assert_eq!(body["live_mode"], false);
        assert!(
            body["user_id"].is_u64() && body["application_id"].is_u64(),
            "{body}"
        );
        assert!(body["id"].is_u64(), "{body}");
        assert!(body["date_created"].as_str().unwrap().ends_with('Z'));
        let data = &body["data"];
        assert_eq!(data["id"], id.as_str());
        assert_eq!(data["external_reference"], "sale-7");
        assert_eq!(data["type"], "point");
        assert_eq!(data["version"], n as u64 + 1);
        assert_eq!(
            format!("order.{}", data["status"].as_str().unwrap()),
            post.action()
        );
    }
    request_ids.dedup();
    assert_eq!(request_ids.len(), 3, "a new request id each time");
    assert!(posts[0].body["data"].get("total_paid_amount").is_none());
    let last = &posts[2].body["data"];
    assert_eq!(last["status_detail"], "processed");
    assert_eq!(last["total_paid_amount"], "15.00");
    assert_eq!(last["transactions"], order["transactions"]);

    // Nothing but the order's three; recorded like the Integration API's.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(hook.posts.lock().unwrap().len(), 3);
    let records: Vec<Value> = deliveries(&api)
        .into_iter()
        .filter(|r| r["resource"] == "order")
        .collect();
    let states: Vec<&str> = records
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["created", "at_terminal", "processed"]);
    for (record, post) in records.iter().zip(&posts) {
        assert_eq!(record["format"], "signed");
        assert_eq!(record["id"], id.as_str());
        assert_eq!(record["status"], 200);
        assert_eq!(record["body"], post.body);
        assert_eq!(record["headers"]["x-signature"], post.header("x-signature"));
        assert!(record["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("data.id={id}&type=order")));
    }
}

#[test]
fn the_lowercase_flag_signs_the_id_as_the_docs_describe() {
    let hook = Hook::start(0);
    let api = start(&hook, true, true);
    let order = api.order_ok(CAJA1, "15.00");
    let id = order["id"].as_str().unwrap();
    let post = &hook.wait_for(id, 1)[0];
    // The query still carries the id as it is.
    assert!(
        post.target.contains(&format!("data.id={id}&")),
        "{}",
        post.target
    );
    let (ts, v1) = post.signature();
    let request_id = post.header("x-request-id");
    assert_eq!(
        v1,
        hmac_hex(
            SECRET,
            &format!("id:{};request-id:{request_id};ts:{ts};", id.to_lowercase())
        )
    );
    assert_ne!(
        v1,
        hmac_hex(SECRET, &format!("id:{id};request-id:{request_id};ts:{ts};"))
    );
}

#[test]
fn refunds_cancels_and_events_are_notified_and_failures_retried() {
    let hook = Hook::start(1);
    let api = start(&hook, true, false);
    let sold = api.order_ok(CAJA1, "20.00");
    let id = sold["id"].as_str().unwrap();
    api.pay(CAJA1, "approved");
    let payment = sold["transactions"]["payments"][0]["id"].as_str().unwrap();
    let part = json!({"transactions": [{"id": payment, "amount": "5.00"}]});
    assert_eq!(
        api.orders_post(&format!("/v1/orders/{id}/refund"), "p1", Some(&part))
            .status,
        201
    );
    assert_eq!(
        api.orders_post(&format!("/v1/orders/{id}/refund"), "p2", None)
            .status,
        201
    );
    let posts = hook.wait_for(id, 5);
    let seen: Vec<(&str, &str)> = posts
        .iter()
        .map(|p| {
            (
                p.action(),
                p.body["data"]["status_detail"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("order.created", "created"),
            ("order.at_terminal", "at_terminal"),
            ("order.processed", "processed"),
            ("order.processed", "partially_refunded"),
            ("order.refunded", "refunded"),
        ]
    );
    // The first attempt was refused and retried.
    let all = hook.posts.lock().unwrap().clone();
    assert_eq!((all[0].status, all[0].action()), (500, "order.created"));
    let attempts: Vec<u64> = deliveries(&api)
        .iter()
        .filter(|r| r["state"] == "created")
        .map(|r| r["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts, [1, 2]);

    let canceled = api.order_ok(CAJA2, "15.00");
    let canceled_id = canceled["id"].as_str().unwrap();
    api.orders_post(&format!("/v1/orders/{canceled_id}/cancel"), "c1", None);
    let actions: Vec<String> = hook
        .wait_for(canceled_id, 2)
        .iter()
        .map(|p| p.action().to_string())
        .collect();
    assert_eq!(actions, ["order.created", "order.canceled"]);

    let driven = api.order_ok(CAJA3, "15.00");
    let driven_id = driven["id"].as_str().unwrap();
    assert_eq!(
        api.event(driven_id, json!({"status": "action_required"}))
            .status,
        204
    );
    let actions: Vec<String> = hook
        .wait_for(driven_id, 3)
        .iter()
        .map(|p| p.action().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "order.created",
            "order.at_terminal",
            "order.action_required"
        ]
    );
}

#[test]
fn an_orders_webhook_needs_a_secret_and_a_url() {
    let without_secret = Simulator::start(SimConfig {
        orders_webhook_url: Some("http://127.0.0.1:9/o".into()),
        ..SimConfig::default()
    });
    let error = without_secret.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("secret"), "{error}");
    let bad_url = Simulator::start(SimConfig {
        orders_webhook_url: Some("ftp://127.0.0.1/o".into()),
        webhook_secret: Some("s".into()),
        ..SimConfig::default()
    });
    assert_eq!(
        bad_url.unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
}
