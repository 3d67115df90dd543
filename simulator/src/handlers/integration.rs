//! The Point Integration API's operations and the other Mercado Pago routes: parse what
//! the request carries, apply it to the store under the lock, and describe the response.

use serde_json::{json, Value};

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::query::{page, param};
use crate::shared::Shared;
use crate::state::devices::DeviceFilter;
use crate::state::integration::Creation;
use crate::state::Store;
use crate::time::{parse_date, MS_PER_DAY};
use crate::validation::integration::{
    validate_create, validate_operating_mode, validate_refund, validate_test_user, validate_webhook,
};
use crate::webhook_check;

const MAX_PAGE: u64 = 50;
/// Longest span `endDate - startDate` the events query accepts, in days.
const MAX_EVENT_RANGE_DAYS: i64 = 30;

/// `DELETE` of a payment intent or refund on a device: `{"id"}` once `cancel` (the
/// store's cancel of that kind of object) has canceled it.
pub(super) fn cancel(
    shared: &Shared,
    cancel: impl FnOnce(&mut Store, &str, &str, i64) -> Result<(), ApiError>,
    device_id: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let (mut store, now) = shared.lock_now();
    cancel(&mut store, device_id, id, now)?;
    Ok(Reply::Json(200, json!({ "id": id })))
}

pub(super) fn get_intent(shared: &Shared, intent_id: &str) -> Result<Reply, ApiError> {
    let (mut store, now) = shared.lock_now();
    let strict = shared.config.strict_rate_limit;
    Ok(Reply::Json(200, store.read_intent(intent_id, now, strict)?))
}

pub(super) fn last_event(shared: &Shared, intent_id: &str) -> Result<Reply, ApiError> {
    let (store, _) = shared.lock_now();
    Ok(Reply::Json(200, store.intent(intent_id)?.last_event_json()))
}

pub(super) fn get_integrator(shared: &Shared) -> Result<Reply, ApiError> {
    Ok(Reply::Json(200, shared.lock().integrator.to_json()))
}

pub(super) fn patch_integrator(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    let url = validate_webhook(&incoming.json_body()?)?;
    shared.lock().integrator.set_webhook(url);
    Ok(Reply::NoContent)
}

pub(super) fn get_refund(shared: &Shared, refund_id: &str) -> Result<Reply, ApiError> {
    let (store, _) = shared.lock_now();
    Ok(Reply::Json(200, store.refund(refund_id)?.to_json()))
}

pub(super) fn get_payment(shared: &Shared, payment_id: &str) -> Result<Reply, ApiError> {
    let (store, _) = shared.lock_now();
    Ok(Reply::Json(
        200,
        store.payment_json(payment_id, shared.site.currency)?,
    ))
}

pub(super) fn create_test_user(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    validate_test_user(&incoming.json_body()?)?;
    Ok(Reply::Json(201, shared.lock().create_test_user()))
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

pub(super) fn list_devices(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
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
    let devices = page(matching.iter().map(|d| d.to_json()), offset, limit);
    Ok(Reply::Json(
        200,
        json!({
            "devices": devices,
            "paging": {"total": matching.len(), "offset": offset, "limit": limit},
        }),
    ))
}

pub(super) fn patch_device(
    shared: &Shared,
    device_id: &str,
    incoming: &Incoming,
) -> Result<Reply, ApiError> {
    let mut store = shared.lock();
    store.device(device_id)?;
    let mode = validate_operating_mode(&incoming.json_body()?)?;
    store.set_mode(device_id, mode)?;
    Ok(Reply::Json(200, json!({ "operating_mode": mode.as_str() })))
}

pub(super) fn create_intent(
    shared: &Shared,
    device_id: &str,
    incoming: &Incoming,
) -> Result<Reply, ApiError> {
    let limits = (shared.site.min, shared.site.max);
    create_on_device(shared, device_id, incoming, |store, creation, body| {
        let intent = store.create_intent(creation, body, |b| validate_create(b, limits))?;
        Ok(intent.to_json())
    })
}

pub(super) fn create_refund(
    shared: &Shared,
    device_id: &str,
    incoming: &Incoming,
) -> Result<Reply, ApiError> {
    create_on_device(shared, device_id, incoming, |store, creation, body| {
        let refund = store.create_refund(creation, body, validate_refund)?;
        // The creation answer: the GET shape without the state, as the real service sends.
        let mut reply = refund.to_json();
        if let Some(object) = reply.as_object_mut() {
            object.remove("state");
        }
        Ok(reply)
    })
}

/// A create on a device (a payment intent or a refund intent): the new object gets a
/// UUID, and `create` makes it from the body; 201 with what it answers, 200 for a replay.
fn create_on_device(
    shared: &Shared,
    device_id: &str,
    incoming: &Incoming,
    create: impl FnOnce(&mut Store, Creation, Result<Value, ApiError>) -> Result<Value, ApiError>,
) -> Result<Reply, ApiError> {
    let body = incoming.json_body();
    let id = uuid::Uuid::new_v4().to_string();
    let pace = shared.pace();
    // The ticker may be idle; woken, it waits for the new object's first step.
    shared.change(|store, now| {
        let creation = Creation {
            device_id,
            idempotency_key: incoming.idempotency_key.as_deref(),
            id,
            now,
            pace,
        };
        let replay = store.idempotency().has_made(creation.idempotency_key);
        Ok(Reply::created(replay, create(store, creation, body)?))
    })
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

pub(super) fn events_by_date(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
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

pub(super) fn check_integrator(shared: &Shared) -> Result<Reply, ApiError> {
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
    if store.integrator.checked(&webhook) {
        shared.deliveries.target_checked(webhook, from);
    }
    drop(store);
    Ok(Reply::NoContent)
}
