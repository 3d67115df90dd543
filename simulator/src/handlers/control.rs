//! The simulator's own surface: the terminal's buttons, the state the virtual terminal
//! page shows, idempotency counters, faults on demand and the webhook record. No token is
//! needed here; it is not part of the real service.

use serde_json::json;

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::routes::Button;
use crate::shared::Shared;
use crate::validation::integration::validate_card;

/// `GET /_sim/state`: the mode and every device's screen.
pub(super) fn sim_state(shared: &Shared) -> Result<Reply, ApiError> {
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

/// A terminal button: the green key, a card (with the outcome in the body) or cancel.
pub(super) fn press(
    shared: &Shared,
    device_id: &str,
    button: Button,
    incoming: &Incoming,
) -> Result<Reply, ApiError> {
    // Parsed before the lock: a bad card changes nothing.
    let outcome = match button {
        Button::Card => Some(validate_card(&incoming.json_body()?)?),
        _ => None,
    };
    let object = shared.change(|store, now| match (button, outcome) {
        (Button::GreenKey, _) => store.green_key(device_id, now),
        (Button::Card, Some(outcome)) => store.present_card(device_id, outcome, now),
        _ => store.terminal_cancel(device_id, now),
    })?;
    Ok(Reply::Json(200, object))
}

/// `GET /_sim/idempotency`.
pub(super) fn idempotency_all(shared: &Shared) -> Result<Reply, ApiError> {
    let keys = shared.lock().idempotency().all_json();
    Ok(Reply::Json(200, json!({ "keys": keys })))
}

/// `GET /_sim/idempotency/{key}`.
pub(super) fn idempotency_key(shared: &Shared, key: &str) -> Result<Reply, ApiError> {
    Ok(Reply::Json(
        200,
        shared.lock().idempotency().counters_json(key),
    ))
}

pub(super) fn list_faults(shared: &Shared) -> Result<Reply, ApiError> {
    Ok(Reply::Json(200, shared.faults.list()))
}

pub(super) fn add_fault(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    Ok(Reply::Json(201, shared.faults.add(&incoming.body)?))
}

pub(super) fn clear_faults(shared: &Shared) -> Result<Reply, ApiError> {
    shared.faults.clear();
    Ok(Reply::NoContent)
}

pub(super) fn remove_fault(shared: &Shared, id: &str) -> Result<Reply, ApiError> {
    shared.faults.remove(id)?;
    Ok(Reply::NoContent)
}

pub(super) fn list_webhooks(shared: &Shared) -> Result<Reply, ApiError> {
    Ok(Reply::Json(
        200,
        json!({ "deliveries": shared.deliveries.records() }),
    ))
}

pub(super) fn clear_webhooks(shared: &Shared) -> Result<Reply, ApiError> {
    shared.deliveries.clear();
    Ok(Reply::NoContent)
}
