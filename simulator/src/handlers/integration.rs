//! The Point Integration API's operations and the other Mercado Pago routes: parse what
//! the request carries, apply it to the store under the lock, and describe the response.

use serde_json::{json, Value};

use super::pace;
use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::query::param;
use crate::routes::Route;
use crate::shared::Shared;
use crate::state::{Creation, DeviceFilter};
use crate::time::{parse_date, MS_PER_DAY};
use crate::validation::integration::{
    validate_create, validate_operating_mode, validate_test_user, validate_webhook,
};
use crate::webhook_check;

const MAX_PAGE: u64 = 50;
/// Longest span `endDate - startDate` the events query accepts, in days.
const MAX_EVENT_RANGE_DAYS: i64 = 30;

pub(crate) fn dispatch(
    shared: &Shared,
    route: Route,
    incoming: Incoming,
) -> Result<Reply, ApiError> {
    match route {
        Route::ListDevices => list_devices(shared, &incoming),
        Route::PatchDevice { device_id } => patch_device(shared, &device_id, &incoming),
        Route::CreateIntent { device_id } => create_intent(shared, &device_id, &incoming),
        Route::CancelIntent {
            device_id,
            intent_id,
        } => {
            let (mut store, now) = shared.lock_now();
            store.cancel_intent(&device_id, &intent_id, now)?;
            Ok(Reply::Json(200, json!({ "id": intent_id })))
        }
        Route::GetIntent { intent_id } => {
            let (mut store, now) = shared.lock_now();
            let strict = shared.config.strict_rate_limit;
            Ok(Reply::Json(
                200,
                store.read_intent(&intent_id, now, strict)?,
            ))
        }
        Route::LastEvent { intent_id } => {
            let (store, _) = shared.lock_now();
            Ok(Reply::Json(
                200,
                store.intent(&intent_id)?.last_event_json(),
            ))
        }
        Route::EventsByDate => events_by_date(shared, &incoming),
        Route::GetIntegrator => {
            let store = shared.lock();
            let integrator = &store.integrator;
            Ok(Reply::Json(
                200,
                json!({
                    "token": integrator.token,
                    "webhook": integrator.webhook,
                    "is_valid_webhook": integrator.is_valid_webhook,
                }),
            ))
        }
        Route::PatchIntegrator => {
            let url = validate_webhook(&incoming.json_body()?)?;
            let mut store = shared.lock();
            let integrator = &mut store.integrator;
            // Re-sending the URL already set keeps its validation; a new one must be checked.
            if integrator.webhook != url {
                integrator.webhook = url;
                integrator.is_valid_webhook = false;
            }
            Ok(Reply::NoContent)
        }
        Route::CheckIntegrator => check_integrator(shared),
        Route::CreateRefund { device_id } => create_refund(shared, &device_id, &incoming),
        Route::CancelRefund {
            device_id,
            refund_id,
        } => {
            let (mut store, now) = shared.lock_now();
            store.cancel_refund(&device_id, &refund_id, now)?;
            Ok(Reply::Json(200, json!({ "id": refund_id })))
        }
        Route::GetRefund { refund_id } => {
            let (store, _) = shared.lock_now();
            Ok(Reply::Json(200, store.refund(&refund_id)?.to_json()))
        }
        Route::GetPayment { payment_id } => {
            let (store, _) = shared.lock_now();
            Ok(Reply::Json(
                200,
                store.payment_json(&payment_id, shared.site.currency)?,
            ))
        }
        Route::CreateTestUser => {
            validate_test_user(&incoming.json_body()?)?;
            Ok(Reply::Json(201, shared.lock().create_test_user()))
        }
        other => unreachable!("not an Integration API route: {other:?}"),
    }
}

fn parse_param<T: std::str::FromStr>(
    query: &[(String, String)],
    name: &str,
    accept: impl Fn(&T) -> bool,
    code: &'static str,
    message: &str,
) -> Result<Option<T>, ApiError> {
    param(query, name)
        .map(|text| {
            text.parse::<T>()
                .ok()
                .filter(|v| accept(v))
                .ok_or_else(|| ApiError::invalid_field(code, message))
        })
        .transpose()
}

fn list_devices(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    let query = &incoming.query;
    let filter = DeviceFilter {
        store_id: param(query, "store_id").map(str::to_string),
        pos_id: parse_param(
            query,
            "pos_id",
            |_: &i64| true,
            "invalid_pos_id",
            "pos_id must be an integer",
        )?,
    };
    let limit = parse_param(
        query,
        "limit",
        |l: &u64| (1..=MAX_PAGE).contains(l),
        "invalid_limit",
        "limit must be an integer between 1 and 50",
    )?
    .unwrap_or(MAX_PAGE);
    let offset = parse_param(
        query,
        "offset",
        |_: &u64| true,
        "invalid_offset",
        "offset must be a non-negative integer",
    )?
    .unwrap_or(0);

    let store = shared.lock();
    let matching = store.list_devices(&filter);
    let page: Vec<Value> = matching
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .map(|d| d.to_json())
        .collect();
    Ok(Reply::Json(
        200,
        json!({
            "devices": page,
            "paging": {"total": matching.len(), "offset": offset, "limit": limit},
        }),
    ))
}

fn patch_device(shared: &Shared, device_id: &str, incoming: &Incoming) -> Result<Reply, ApiError> {
    let mut store = shared.lock();
    store.device(device_id)?;
    let mode = validate_operating_mode(&incoming.json_body()?)?;
    store.set_mode(device_id, mode)?;
    Ok(Reply::Json(200, json!({ "operating_mode": mode.as_str() })))
}

fn create_intent(shared: &Shared, device_id: &str, incoming: &Incoming) -> Result<Reply, ApiError> {
    let body = incoming.json_body();
    let intent_id = uuid::Uuid::new_v4().to_string();
    let limits = (shared.site.min, shared.site.max);
    let (mut store, now) = shared.lock_now();
    let creation = Creation {
        device_id,
        idempotency_key: incoming.idempotency_key.as_deref(),
        id: intent_id,
        now,
        pace: pace(shared),
    };
    let replay = store.key_has_made(creation.idempotency_key);
    let intent = store.create_intent(creation, body, |b| validate_create(b, limits))?;
    let reply = intent.to_json();
    drop(store);
    // The ticker may be idle; it must now wait for this intent's first step.
    shared.wake.notify_all();
    Ok(Reply::Json(created_status(replay), reply))
}

fn create_refund(shared: &Shared, device_id: &str, incoming: &Incoming) -> Result<Reply, ApiError> {
    let body = incoming.json_body();
    let (mut store, now) = shared.lock_now();
    let creation = Creation {
        device_id,
        idempotency_key: incoming.idempotency_key.as_deref(),
        id: uuid::Uuid::new_v4().to_string(),
        now,
        pace: pace(shared),
    };
    let replay = store.key_has_made(creation.idempotency_key);
    let refund = store.create_refund(creation, body)?;
    // The creation answer: the GET shape without the state, as the real service sends.
    let mut reply = refund.to_json();
    if let Some(object) = reply.as_object_mut() {
        object.remove("state");
    }
    drop(store);
    shared.wake.notify_all();
    Ok(Reply::Json(created_status(replay), reply))
}

/// `201 Created` for what a create made, `200 OK` for what a replay of it found.
pub(crate) fn created_status(replay: bool) -> u16 {
    if replay {
        200
    } else {
        201
    }
}

fn date_param(query: &[(String, String)], name: &str) -> Result<i64, ApiError> {
    let text = param(query, name).ok_or_else(|| {
        ApiError::invalid_field("invalid_date", format!("{name} is required (YYYY-MM-DD)"))
    })?;
    parse_date(text).ok_or_else(|| {
        ApiError::invalid_field(
            "invalid_date",
            format!("{name} must be a date as YYYY-MM-DD"),
        )
    })
}

fn events_by_date(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    let start = date_param(&incoming.query, "startDate")?;
    let end = date_param(&incoming.query, "endDate")?;
    if end < start {
        return Err(ApiError::invalid_field(
            "invalid_date",
            "endDate must not be before startDate",
        ));
    }
    if end - start > MAX_EVENT_RANGE_DAYS {
        return Err(ApiError::invalid_field(
            "invalid_date_range",
            format!(
                "the range from startDate to endDate must not exceed {MAX_EVENT_RANGE_DAYS} days"
            ),
        ));
    }
    // [startDate 00:00:00.000, endDate 23:59:59.999] UTC.
    let from_ms = start * MS_PER_DAY;
    let to_ms = (end + 1) * MS_PER_DAY - 1;
    let (store, _) = shared.lock_now();
    let events: Vec<Value> = store
        .last_changes_between(from_ms, to_ms)
        .into_iter()
        .map(|intent| intent.last_event_json())
        .collect();
    Ok(Reply::Json(200, json!({ "events": events })))
}

fn check_integrator(shared: &Shared) -> Result<Reply, ApiError> {
    // Webhook delivery starts with the changes from here on: including those made while the
    // check is in flight errs towards one notification too many rather than one missing.
    let from = shared.lock().history().len();
    let (webhook, token) = {
        let store = shared.lock();
        (
            store.integrator.webhook.clone(),
            store.integrator.token.clone(),
        )
    };
    if webhook.is_empty() {
        return Err(ApiError::bad_request(
            "no webhook configured: set one with PATCH /integrators first",
        ));
    }
    // Outbound I/O: the lock is released above and re-taken below.
    webhook_check::check(&webhook, &token).map_err(|why| {
        ApiError::new(
            400,
            "invalid_webhook",
            format!("webhook check failed: {why}"),
        )
    })?;
    let mut store = shared.lock();
    // Only the URL that answered is marked valid, should it have changed meanwhile.
    if store.integrator.webhook == webhook {
        store.integrator.is_valid_webhook = true;
        shared.deliveries.target_checked(webhook, from);
    }
    Ok(Reply::NoContent)
}
