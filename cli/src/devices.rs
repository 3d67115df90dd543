//! The account's terminals as the commands need them: the list, and the terminal a command
//! uses when none is given. Its own module, so the commands and the waits that both need it
//! depend on it rather than on each other.

use mppoint::DeviceFilters;
use serde_json::Value;

use crate::context::Context;
use crate::output::{Failure, Outcome};
use crate::text;

/// The account's terminals: the whole answer (for --json) and, from it, `of`.
pub fn list(ctx: &Context) -> Outcome<Value> {
    Ok(ctx.client.list_devices(&DeviceFilters::default())?.json()?)
}

/// The terminals of a `list`.
pub fn of(list: &Value) -> &[Value] {
    list["devices"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The terminal a sale goes to: the one given (or MP_DEVICE_ID), else the account's only one.
pub fn pick(ctx: &Context, given: Option<&str>) -> Outcome<String> {
    if let Some(device) = given {
        return Ok(device.to_owned());
    }
    let ids: Vec<String> = of(&list(ctx)?)
        .iter()
        .map(|d| text::field(d, "id"))
        .collect();
    match ids.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(Failure::usage(
            "the account has no terminals: link one to a store and a point of sale first",
        )),
        several => Err(Failure::usage(format!(
            "the account has {} terminals: pick one with --device ({})",
            several.len(),
            several.join(", ")
        ))),
    }
}
