//! The Orders API for Point: terminals (`/terminals/v1/list`, `/terminals/v1/setup`) and
//! orders (`/v1/orders`: create, read, cancel, refund, and the sandbox's events), on the
//! same virtual terminals as the Integration API.

use serde_json::{json, Value};

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::ids;
use crate::query::{page, param};
use crate::shared::Shared;
use crate::state::devices::DeviceFilter;
use crate::state::orders::OrderCreation;
use crate::validation::orders::{
    parse_json, validate_new_order, validate_order_event, validate_order_refund, validate_setup,
    MAX_IDEMPOTENCY_KEY,
};

/// `/terminals/v1/list` pages hold at most this many terminals (larger limits are clamped).
const MAX_PAGE: u64 = 50;

pub(super) fn get_order(shared: &Shared, order_id: &str) -> Result<Reply, ApiError> {
    check_order_id(order_id, "invalid_path_param")?;
    let (store, _) = shared.lock_now();
    Ok(Reply::Json(200, store.order(order_id)?.to_json()))
}

pub(super) fn cancel_order(
    shared: &Shared,
    order_id: &str,
    incoming: &Incoming,
) -> Result<Reply, ApiError> {
    let key = order_post_key(incoming, order_id)?;
    let reply =
        shared.change(|store, now| Ok(store.cancel_order(key, order_id, now)?.to_json()))?;
    Ok(Reply::Json(200, reply))
}

pub(super) fn refund_order(
    shared: &Shared,
    order_id: &str,
    incoming: &Incoming,
) -> Result<Reply, ApiError> {
    // A replay is recognised by the body's JSON (or its text, if it is not JSON).
    let body = &incoming.body;
    let fingerprint = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.clone()))
    };
    let key = order_post_key(incoming, order_id)?;
    let site = shared.site;
    shared.change(|store, now| {
        let replay = store.idempotency().has_made(Some(key));
        let order = store.refund_order(
            key,
            order_id,
            fingerprint,
            || validate_order_refund(body, site),
            now,
        )?;
        Ok(Reply::created(replay, order.to_json()))
    })
}

/// The checks a POST that changes an existing order starts with: its idempotency key,
/// returned, then the order id (400s both).
fn order_post_key<'a>(incoming: &'a Incoming, order_id: &str) -> Result<&'a str, ApiError> {
    let key = idempotency_key(incoming)?;
    check_order_id(order_id, "invalid_path_param")?;
    Ok(key)
}

pub(super) fn order_event(
    shared: &Shared,
    order_id: &str,
    incoming: &Incoming,
) -> Result<Reply, ApiError> {
    check_order_id(order_id, "bad_request")?;
    shared.change(|store, now| {
        store.order(order_id)?;
        let event = validate_order_event(&incoming.body)?;
        store.order_event(order_id, &event, now)?;
        Ok(Reply::NoContent)
    })
}

/// `X-Idempotency-Key`, required on every POST that changes something: 400
/// `empty_required_header` without it, `invalid_idempotency_key_length` beyond 64 characters.
fn idempotency_key(incoming: &Incoming) -> Result<&str, ApiError> {
    let key = incoming.idempotency_key.as_deref().ok_or_else(|| {
        ApiError::new(
            400,
            "empty_required_header",
            "the X-Idempotency-Key header is required",
        )
    })?;
    if key.chars().count() > MAX_IDEMPOTENCY_KEY {
        return Err(ApiError::new(
            400,
            "invalid_idempotency_key_length",
            format!("X-Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters"),
        ));
    }
    Ok(key)
}

/// An order id must be `ORD` and 26 ULID characters; anything else is a 400 with `code`
/// (`invalid_path_param` as the live service answers, `bad_request` for the sandbox's
/// events as documented), not a 404.
fn check_order_id(order_id: &str, code: &'static str) -> Result<(), ApiError> {
    if ids::is_id("ORD", order_id) {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            code,
            format!("{order_id} is not an order id: ORD followed by 26 characters"),
        ))
    }
}

/// A non-negative integer query parameter: `property_type` when it is not one.
fn number_param(query: &[(String, String)], name: &str) -> Result<Option<u64>, ApiError> {
    param(query, name)
        .map(|text| {
            text.parse::<u64>().map_err(|_| {
                ApiError::new(
                    400,
                    "property_type",
                    format!("{name} must be a non-negative integer"),
                )
            })
        })
        .transpose()
}

pub(super) fn list_terminals(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    let query = &incoming.query;
    let limit = match number_param(query, "limit")? {
        None => MAX_PAGE,
        Some(0) => {
            return Err(ApiError::new(
                400,
                "property_value",
                "limit must be between 1 and 50",
            ))
        }
        Some(limit) => limit.min(MAX_PAGE),
    };
    let offset = number_param(query, "offset")?.unwrap_or(0);
    let pos_id = param(query, "pos_id");
    let filter = DeviceFilter {
        store_id: param(query, "store_id").map(str::to_string),
        pos_id: None,
    };
    let store = shared.lock();
    let matching: Vec<Value> = store
        .list_devices(&filter)
        .into_iter()
        // pos_id is an integer in the reference and a string in the guide: either matches.
        .filter(|d| pos_id.is_none_or(|p| d.pos_id.to_string() == p))
        .map(|d| d.to_json())
        .collect();
    let terminals = page(matching.iter().cloned(), offset, limit);
    Ok(Reply::Json(
        200,
        json!({
            "data": { "terminals": terminals },
            "paging": {"total": matching.len(), "offset": offset, "limit": limit},
        }),
    ))
}

pub(super) fn setup_terminals(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    let changes = validate_setup(&parse_json(&incoming.body)?)?;
    let mut store = shared.lock();
    // All or nothing: every terminal is checked before any changes.
    for (id, _) in &changes {
        store
            .device(id)
            .map_err(|_| ApiError::new(404, "not_found", format!("terminal {id} not found")))?;
    }
    let mut echoed = Vec::new();
    for (id, mode) in changes {
        store.set_mode(&id, mode)?;
        echoed.push(json!({"id": id, "operating_mode": mode.as_str()}));
    }
    Ok(Reply::Json(200, json!({ "terminals": echoed })))
}

pub(super) fn create_order(shared: &Shared, incoming: &Incoming) -> Result<Reply, ApiError> {
    let key = idempotency_key(incoming)?;
    let body = parse_json(&incoming.body);
    let site = shared.site;
    // The ticker may be idle; woken, it waits for this order's first step.
    shared.change(|store, now| {
        let creation = OrderCreation {
            idempotency_key: key,
            id: ids::new_id("ORD", now),
            payment_id: ids::new_id("PAY", now),
            now,
            pace: shared.pace(),
            site,
        };
        let replay = store.idempotency().has_made(Some(creation.idempotency_key));
        let order = store.create_order(creation, body, |b| validate_new_order(b, site))?;
        Ok(Reply::created(replay, order.to_json()))
    })
}
