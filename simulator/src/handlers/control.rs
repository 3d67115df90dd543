//! The simulator's own surface: the virtual terminal page, the terminal's buttons, the
//! state they show, idempotency counters, faults on demand and the webhook record. No
//! token is needed here; it is not part of the real service.

use serde_json::json;

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::routes::{Button, Route};
use crate::shared::Shared;
use crate::validation::integration::validate_card;

pub(crate) fn dispatch(
    shared: &Shared,
    route: Route,
    incoming: Incoming,
) -> Result<Reply, ApiError> {
    match route {
        Route::Page => Ok(crate::page::page()),
        Route::SimState => {
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
        Route::Press { device_id, button } => press(shared, &device_id, button, &incoming),
        Route::IdempotencyAll => Ok(Reply::Json(200, shared.lock().idempotency_all())),
        Route::IdempotencyKey { key } => {
            Ok(Reply::Json(200, shared.lock().idempotency_counters(&key)))
        }
        Route::ListFaults => Ok(Reply::Json(200, shared.faults.list())),
        Route::AddFault => Ok(Reply::Json(201, shared.faults.add(&incoming.body)?)),
        Route::ClearFaults => {
            shared.faults.clear();
            Ok(Reply::NoContent)
        }
        Route::RemoveFault { id } => {
            shared.faults.remove(&id)?;
            Ok(Reply::NoContent)
        }
        Route::ListWebhooks => Ok(Reply::Json(
            200,
            json!({ "deliveries": shared.deliveries.records() }),
        )),
        Route::ClearWebhooks => {
            shared.deliveries.clear();
            Ok(Reply::NoContent)
        }
        other => unreachable!("not a control route: {other:?}"),
    }
}

/// A terminal button: the green key, a card (with the outcome in the body) or cancel.
fn press(
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
    let (mut store, now) = shared.lock_now();
    let object = match (button, outcome) {
        (Button::GreenKey, _) => store.green_key(device_id, now)?,
        (Button::Card, Some(outcome)) => store.present_card(device_id, outcome, now)?,
        _ => store.terminal_cancel(device_id, now)?,
    };
    drop(store);
    // New history entries: whoever waits on the wake-up (the ticker, delivery) should look
    // again.
    shared.wake.notify_all();
    Ok(Reply::Json(200, object))
}
