//! Webhook delivery: once `POST /integrators/check` has succeeded, every later state change
//! of a payment intent or refund (the store's history) is POSTed to the webhook, in the
//! guide's format and, with [`SimConfig::webhook_secret`](crate::config::SimConfig), also
//! in today's signed format. Every status change of an Orders API order, from the start,
//! is POSTed signed to [`SimConfig::orders_webhook_url`](crate::config::SimConfig) when it
//! is set (the URL the developer panel would hold). Every attempt is recorded for
//! `GET /_sim/webhooks`.
//!
//! One thread delivers, reading the history in order. Ordering and retries:
//! notifications of one object (per format) go out in the order of its state changes, one
//! at a time; a failed attempt (connection error, 5 s timeout, non-2xx answer) is retried
//! after 200 ms, 400 ms, 800 ms, 1.6 s, and given up after the fifth attempt. While an
//! object's notification waits for its retry, the next state of that same object waits
//! behind it (so a receiver never sees FINISHED before the OPEN it refused), but other
//! objects' notifications still go out; the wait is bounded by the five attempts.
//! Retries go to the URL the notification was first sent to. No lock is held during I/O.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::deliveries::Target;
use crate::model::event::Event;
use crate::model::order::USER_ID;
use crate::model::resource::Resource;
use crate::shared::Shared;
use crate::time::format_utc_ms;

/// Attempts per notification before it is given up.
const MAX_ATTEMPTS: u32 = 5;
const FIRST_RETRY: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_secs(5);
/// How often new history is looked for (state changes happen in several places; polling
/// the history keeps delivery independent of all of them).
const POLL: Duration = Duration::from_millis(20);
/// The simulated account's numbers in today's payload (`caller_id`: the seller's user id,
/// `client_id`: the application's id).
const CALLER_ID: u64 = USER_ID;
const CLIENT_ID: u64 = 6_295_877_106_812_064;
/// Today's notifications are sent under this topic.
const TOPIC: &str = "point_integration_wh";
/// The Orders API's notifications are sent under this one.
const ORDER_TOPIC: &str = "order";

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Format {
    /// The developer guide's body, unsigned.
    Guide,
    /// Today's: `?data.id=…&type=point_integration_wh`, `x-signature`, `x-request-id`.
    Signed,
    /// The Orders API's, signed the same way: `?data.id=ORD…&type=order`.
    Order,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Guide => "guide",
            Format::Signed | Format::Order => "signed",
        }
    }
}

fn resource_name(resource: Resource) -> &'static str {
    match resource {
        Resource::PaymentIntent => "payment_intent",
        Resource::Refund => "refund",
        Resource::Order => "order",
    }
}

/// One notification of one state change, in one format.
#[derive(Debug)]
struct Job {
    format: Format,
    resource: &'static str,
    id: String,
    state: String,
    url: String,
    body: Value,
    attempts: u32,
    due: Instant,
}

impl Job {
    /// Notifications with the same key are delivered strictly in order.
    fn key(&self) -> (Format, &'static str, &str) {
        (self.format, self.resource, &self.id)
    }
}

/// The delivery thread's own bookkeeping (no lock needed: only it touches this).
#[derive(Debug, Default)]
struct Worker {
    /// Creation time of every object seen in the history: `created_at` of its notifications.
    created: HashMap<String, i64>,
    scanned: usize,
    /// The first history entry not yet looked at for order notifications.
    orders_scanned: usize,
    /// The `id` of the last order notification.
    notifications: u64,
    jobs: Vec<Job>,
}

/// The delivery thread: runs until [`stop`].
pub(crate) fn run(shared: &Shared) {
    let agent = crate::webhook_check::webhook_agent(TIMEOUT);
    let mut worker = Worker::default();
    loop {
        if !worker.collect(shared) {
            return;
        }
        let now = Instant::now();
        let (due, next) = worker.schedule(now);
        if let Some(index) = due {
            worker.attempt(index, shared, &agent);
            continue;
        }
        let wait = next.map_or(POLL, |at| at.saturating_duration_since(now).min(POLL));
        let state = shared.deliveries.lock();
        if state.stopping {
            return;
        }
        drop(
            shared
                .deliveries
                .wake
                .wait_timeout(state, wait)
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
    }
}

impl Worker {
    /// Turns new history into jobs. `false` when the thread must end.
    fn collect(&mut self, shared: &Shared) -> bool {
        let (store, _) = shared.lock_now();
        let history = store.history();
        if history.len() < self.scanned {
            self.scanned = 0; // the history was reset
        }
        for event in &history[self.scanned..] {
            self.created.entry(event.id.clone()).or_insert(event.at_ms);
        }
        self.scanned = history.len();
        let mut state = shared.deliveries.lock();
        if state.stopping {
            return false;
        }
        self.collect_orders(shared, history);
        let integrator = &store.integrator;
        let still_valid = |t: &Target| integrator.is_valid_webhook && integrator.webhook == t.url;
        if !state.target.as_ref().is_some_and(still_valid) {
            // None checked yet, or a new webhook that must be checked before use.
            state.target = None;
            return true;
        }
        let Some(target) = state.target.as_mut() else {
            return true;
        };
        let secret = shared.config.webhook_secret.as_deref();
        let now = Instant::now();
        let events = &history[target.next_event.min(history.len())..];
        for event in events.iter().filter(|e| e.resource != Resource::Order) {
            let created = self.created.get(&event.id).copied().unwrap_or(event.at_ms);
            let guide = guide_body(event, created);
            let mut formats = vec![(Format::Guide, guide.clone())];
            if secret.is_some() {
                formats.push((Format::Signed, signed_body(guide)));
            }
            for (format, body) in formats {
                self.jobs.push(Job {
                    format,
                    resource: resource_name(event.resource),
                    id: event.id.clone(),
                    state: event.snapshot["state"].as_str().unwrap_or("").to_string(),
                    url: target.url.clone(),
                    body,
                    attempts: 0,
                    due: now,
                });
            }
        }
        target.next_event = history.len();
        true
    }

    /// Turns new order changes into notifications for the orders webhook, if one is set.
    fn collect_orders(&mut self, shared: &Shared, history: &[Event]) {
        let from = self.orders_scanned.min(history.len());
        self.orders_scanned = history.len();
        let Some(url) = &shared.config.orders_webhook_url else {
            return;
        };
        let now = Instant::now();
        for event in history[from..]
            .iter()
            .filter(|e| e.resource == Resource::Order)
        {
            self.notifications += 1;
            self.jobs.push(Job {
                format: Format::Order,
                resource: resource_name(event.resource),
                id: event.id.clone(),
                state: event.state.as_str().to_string(),
                url: url.clone(),
                body: order_body(event, self.notifications),
                attempts: 0,
                due: now,
            });
        }
    }

    /// The first job that may go now, and when the next one falls due. Only the oldest
    /// job of each key may go: that is what keeps one object's notifications in order.
    fn schedule(&self, now: Instant) -> (Option<usize>, Option<Instant>) {
        let mut heads = HashSet::new();
        let mut next: Option<Instant> = None;
        for (index, job) in self.jobs.iter().enumerate() {
            if !heads.insert(job.key()) {
                continue;
            }
            if job.due <= now {
                return (Some(index), None);
            }
            next = Some(next.map_or(job.due, |n| n.min(job.due)));
        }
        (None, next)
    }

    fn attempt(&mut self, index: usize, shared: &Shared, agent: &ureq::Agent) {
        let job = &mut self.jobs[index];
        job.attempts += 1;
        let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        let url = match job.format {
            Format::Guide => job.url.clone(),
            Format::Signed | Format::Order => {
                let secret = shared.config.webhook_secret.as_deref().unwrap_or("");
                let request_id = uuid::Uuid::new_v4().to_string();
                let ts = shared.clock.now_ms();
                // Which casing of an order id is signed is contested (see the README).
                let signed_id =
                    if job.format == Format::Order && shared.config.orders_webhook_lowercase_id {
                        job.id.to_ascii_lowercase()
                    } else {
                        job.id.clone()
                    };
                headers.push(("x-request-id".into(), request_id.clone()));
                headers.push((
                    "x-signature".into(),
                    format!("ts={ts},v1={}", sign(secret, &signed_id, &request_id, ts)),
                ));
                let topic = if job.format == Format::Order {
                    ORDER_TOPIC
                } else {
                    TOPIC
                };
                signed_url(&job.url, &job.id, topic)
            }
        };
        let at = format_utc_ms(shared.clock.now_ms());
        let (status, error) = match post(agent, &url, &headers, job.body.to_string()) {
            Ok(status) if (200..300).contains(&status) => (Some(status), None),
            Ok(status) => (
                Some(status),
                Some(format!("webhook answered HTTP {status}")),
            ),
            Err(e) => (None, Some(e)),
        };
        let header_map: serde_json::Map<String, Value> = headers
            .into_iter()
            .map(|(name, value)| (name, Value::String(value)))
            .collect();
        {
            let record = json!({
                "format": job.format.name(),
                "resource": job.resource,
                "id": job.id,
                "state": job.state,
                "attempt": job.attempts,
                "url": url,
                "headers": header_map,
                "body": job.body,
                "status": status,
                "error": error,
                "at": at,
            });
            shared.deliveries.lock().push(record);
        }
        if error.is_none() || job.attempts >= MAX_ATTEMPTS {
            self.jobs.remove(index);
        } else {
            job.due = Instant::now() + FIRST_RETRY * (1 << (job.attempts - 1));
        }
    }
}

/// POSTs one notification; the status, or why there was none.
fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(String, String)],
    body: String,
) -> Result<u16, String> {
    let mut request = agent.post(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = request
        .send(body)
        .map_err(|e| format!("webhook unreachable: {e}"))?;
    // Read the answer so the connection can be reused; its content does not matter.
    let _ = response.body_mut().read_to_string();
    Ok(response.status().as_u16())
}

/// `2021-08-22 19:24:14`, the guide's `created_at` (UTC).
fn notification_time(epoch_ms: i64) -> String {
    format_utc_ms(epoch_ms)[..19].replacen('T', " ", 1)
}

/// Payment ids are numeric strings in the API and numbers in notifications.
fn as_number(value: &Value) -> Value {
    match value.as_str().and_then(|s| s.parse::<u64>().ok()) {
        Some(n) => json!(n),
        None => value.clone(),
    }
}

/// The guide's notification body, from the object as it was right after the change.
fn guide_body(event: &Event, created_ms: i64) -> Value {
    let snapshot = &event.snapshot;
    let created_at = notification_time(created_ms);
    match event.resource {
        Resource::PaymentIntent => {
            let mut additional_info = json!({});
            if let Some(reference) = snapshot["additional_info"].get("external_reference") {
                additional_info["external_reference"] = reference.clone();
            }
            let mut body = json!({
                "id": snapshot["id"],
                "created_at": created_at,
                "amount": snapshot["amount"],
                "additional_info": additional_info,
                "state": snapshot["state"],
            });
            // Before PROCESSED the object only echoes the requested payment: no id yet.
            if let Some(id) = snapshot.get("payment").and_then(|p| p.get("id")) {
                let mut payment = json!({ "id": as_number(id) });
                for field in ["type", "state"] {
                    if let Some(value) = snapshot["payment"].get(field) {
                        payment[field] = value.clone();
                    }
                }
                body["payment"] = payment;
            }
            body
        }
        // Orders have their own notifications (`order_body`).
        Resource::Refund | Resource::Order => json!({
            "id": snapshot["id"],
            "created_at": created_at,
            "payment_id": as_number(&snapshot["payment_id"]),
            "device_id": snapshot["device_id"],
            "state": snapshot["state"],
            "additional_info": snapshot.get("additional_info").cloned().unwrap_or(json!({})),
        }),
    }
}

/// Today's body: the guide's plus the account numbers; no `payment` when none was made.
fn signed_body(mut body: Value) -> Value {
    body["caller_id"] = json!(CALLER_ID);
    body["client_id"] = json!(CLIENT_ID);
    if matches!(
        body["state"].as_str(),
        Some("CANCELED" | "ERROR" | "ABANDONED")
    ) {
        if let Some(object) = body.as_object_mut() {
            object.remove("payment");
        }
    }
    body
}

/// The webhook with today's query (`data.id`, `type`) added.
fn signed_url(webhook: &str, id: &str, topic: &str) -> String {
    let separator = if webhook.contains('?') { '&' } else { '?' };
    format!("{webhook}{separator}data.id={id}&type={topic}")
}

/// An Orders API notification: `action` `order.<status>`, `type` `order`, and in `data`
/// the order as it was right after the change (its id, reference, status, version and
/// transactions). `id` numbers the notification.
fn order_body(event: &Event, id: u64) -> Value {
    let order = &event.snapshot;
    let mut data = json!({
        "id": order["id"],
        "external_reference": order["external_reference"],
        "status": order["status"],
        "status_detail": order["status_detail"],
        "type": "point",
        "version": order["version"],
        "transactions": order["transactions"],
    });
    if let Some(paid) = order["transactions"]["payments"][0].get("paid_amount") {
        data["total_paid_amount"] = paid.clone();
    }
    json!({
        "action": format!("order.{}", event.state.as_str()),
        "api_version": "v1",
        "application_id": CLIENT_ID,
        "data": data,
        "date_created": format_utc_ms(event.at_ms),
        "id": id,
        "live_mode": false,
        "type": ORDER_TOPIC,
        "user_id": USER_ID,
    })
}

/// `v1` of `x-signature`: hex HMAC-SHA256 of `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`.
fn sign(secret: &str, id: &str, request_id: &str, ts: i64) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    mac.update(format!("id:{id};request-id:{request_id};ts:{ts};").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Status;
    use crate::model::intent::IntentState;

    fn event(resource: Resource, snapshot: Value) -> Event {
        Event {
            resource,
            id: snapshot["id"].as_str().unwrap().to_string(),
            state: Status::Intent(IntentState::Finished),
            at_ms: 1_629_660_254_000,
            snapshot,
        }
    }

    #[test]
    fn guide_and_signed_bodies() {
        let e = event(
            Resource::PaymentIntent,
            json!({"id":"i-1","device_id":"D","amount":1400,"state":"FINISHED",
                   "additional_info":{"external_reference":"r","print_on_terminal":true},
                   "payment":{"id":"18308029193","type":"credit_card","installments":1,
                              "installments_cost":"seller","state":"approved"}}),
        );
        let guide = guide_body(&e, 1_629_660_254_000);
        assert_eq!(
            guide,
            json!({"id":"i-1","created_at":"2021-08-22 19:24:14","amount":1400,
                   "payment":{"id":18_308_029_193u64,"type":"credit_card","state":"approved"},
                   "additional_info":{"external_reference":"r"},"state":"FINISHED"})
        );
        let signed = signed_body(guide.clone());
        assert_eq!(signed["caller_id"], CALLER_ID);
        assert_eq!(signed["payment"], guide["payment"]);
        let mut canceled = guide;
        canceled["state"] = json!("CANCELED");
        assert_eq!(signed_body(canceled).get("payment"), None);
    }

    #[test]
    fn open_intent_has_no_payment_and_refunds_have_their_shape() {
        let open = event(
            Resource::PaymentIntent,
            json!({"id":"i","amount":500,"state":"OPEN","additional_info":{},
                   "payment":{"type":"debit_card"}}),
        );
        assert_eq!(guide_body(&open, 0).get("payment"), None);
        let refund = event(
            Resource::Refund,
            json!({"id":"r","device_id":"D","payment_id":"20000000001","state":"OPEN",
                   "additional_info":{"print_on_terminal":["SELLER_TICKET"]}}),
        );
        assert_eq!(
            guide_body(&refund, 0),
            json!({"id":"r","created_at":"1970-01-01 00:00:00","payment_id":20_000_000_001u64,
                   "device_id":"D","state":"OPEN",
                   "additional_info":{"print_on_terminal":["SELLER_TICKET"]}})
        );
    }

    #[test]
    fn signature_and_url() {
        // Recomputed independently: HMAC-SHA256("secret", "id:abc;request-id:rid;ts:1;").
        let mut mac = HmacSha256::new_from_slice(b"secret").unwrap();
        mac.update(b"id:abc;request-id:rid;ts:1;");
        assert_eq!(
            sign("secret", "abc", "rid", 1),
            hex::encode(mac.finalize().into_bytes())
        );
        assert_eq!(
            signed_url("http://h/w", "abc", TOPIC),
            "http://h/w?data.id=abc&type=point_integration_wh"
        );
        assert_eq!(
            signed_url("http://h/w?x=1", "abc", ORDER_TOPIC),
            "http://h/w?x=1&data.id=abc&type=order"
        );
    }

    #[test]
    fn one_object_waits_for_its_retry_others_do_not() {
        let now = Instant::now();
        let job = |id: &str, state: &str, due: Instant| Job {
            format: Format::Guide,
            resource: "payment_intent",
            id: id.into(),
            state: state.into(),
            url: String::new(),
            body: Value::Null,
            attempts: 1,
            due,
        };
        let later = now + Duration::from_secs(1);
        let worker = Worker {
            jobs: vec![
                job("a", "OPEN", later),
                job("a", "ON_TERMINAL", now),
                job("b", "OPEN", now),
            ],
            ..Worker::default()
        };
        assert_eq!(worker.schedule(now), (Some(2), None));
        let worker = Worker {
            jobs: vec![job("a", "OPEN", later), job("a", "ON_TERMINAL", now)],
            ..Worker::default()
        };
        assert_eq!(worker.schedule(now), (None, Some(later)));
    }
}
