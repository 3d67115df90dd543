//! The simulator's own control API under [`CONTROL_PREFIX`] (never mixed with the real
//! routes), and the virtual terminal page at `/`. No token is needed here.
//!
//! This module answers the terminal and account routes: `GET /_sim/state`, the buttons
//! `POST /_sim/devices/{id}/{green-key,card,cancel}` and `GET /_sim/idempotency[/{key}]`;
//! faults and webhook deliveries have their own modules.

use serde_json::json;
use tiny_http::Method;

use crate::errors::ApiError;
use crate::handlers::{Incoming, Reply};
use crate::query::percent_decode;
use crate::server::Shared;
use crate::validation::validate_card;

pub(crate) const CONTROL_PREFIX: &str = "/_sim";

/// Whether a request path belongs to the simulator's own surface rather than the API.
pub(crate) fn is_control_path(path: &str) -> bool {
    path == "/" || path == CONTROL_PREFIX || path.starts_with("/_sim/")
}

pub(crate) fn dispatch(
    shared: &Shared,
    method: &Method,
    path: &str,
    incoming: Incoming,
) -> Result<Reply, ApiError> {
    if path == "/" {
        return crate::page::index(method);
    }
    let rest = path.strip_prefix(CONTROL_PREFIX).unwrap_or("");
    if rest == "/faults" || rest.starts_with("/faults/") {
        return crate::faults::control(shared, method, rest, incoming);
    }
    if rest == "/webhooks" || rest.starts_with("/webhooks/") {
        return crate::delivery::control(shared, method, rest, incoming);
    }
    let not_found = || ApiError::not_found(format!("route not found: {path}"));
    let segments: Vec<String> = rest
        .strip_prefix('/')
        .ok_or_else(not_found)?
        .split('/')
        .map(|s| percent_decode(s, false).filter(|s| !s.is_empty()))
        .collect::<Option<_>>()
        .ok_or_else(not_found)?;
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let only = |allowed: &'static str, wanted: Method| {
        if *method == wanted {
            Ok(())
        } else {
            Err(ApiError::method_not_allowed(allowed))
        }
    };
    match segs.as_slice() {
        ["state"] => {
            only("GET", Method::Get)?;
            let config = &shared.config;
            let (store, _) = shared.lock_now();
            Ok(Reply::Json(
                200,
                json!({
                    "manual": config.manual,
                    "step_ms": config.step_ms,
                    "abandon_after_ms": config.abandon_after_ms,
                    "devices": store.screens(),
                }),
            ))
        }
        ["devices", device_id, button @ ("green-key" | "card" | "cancel")] => {
            only("POST", Method::Post)?;
            // Parsed before the lock: a bad card changes nothing.
            let outcome = match *button {
                "card" => Some(validate_card(&incoming.json_body()?)?),
                _ => None,
            };
            let (mut store, now) = shared.lock_now();
            let object = match (*button, outcome) {
                ("green-key", _) => store.green_key(device_id, now)?,
                ("card", Some(outcome)) => store.present_card(device_id, outcome, now)?,
                _ => store.terminal_cancel(device_id, now)?,
            };
            drop(store);
            // New history entries: whoever waits on the wake-up (the ticker, delivery)
            // should look again.
            shared.wake.notify_all();
            Ok(Reply::Json(200, object))
        }
        ["idempotency"] => {
            only("GET", Method::Get)?;
            Ok(Reply::Json(200, shared.lock().idempotency_all()))
        }
        ["idempotency", key] => {
            only("GET", Method::Get)?;
            Ok(Reply::Json(200, shared.lock().idempotency_counters(key)))
        }
        _ => Err(not_found()),
    }
}
