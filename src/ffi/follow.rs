//! The bodies of the exports that are the same for sales and refunds — a status read, a
//! cancel, a wait — written once over `Kind`, with a wait callback of either calling
//! convention. `intents` and `refunds` call them with their own argument names.

use std::ffi::c_void;
use std::os::raw::c_char;
use std::time::Duration;

use super::args::{client, text, write_state_and_json, Out, OwnedText};
use super::boundary::{call, Done};
use super::callback::{progress_of, WaitCallbackFn};
use super::client::{reply_to, snapshot_to};
use super::types::{MpClient, MpIntentState, MpStatus};
use crate::error::Error;
use crate::sale::Kind;
use crate::Client;

/// An export about one sale or refund: `then` with the client and the id, behind the
/// boundary.
fn about_one(
    client: *mut MpClient,
    (id, id_name): (*const c_char, &str),
    then: impl FnOnce(&Client, &str) -> Result<Done, Error>,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let id = unsafe { text(id, id_name) }?;
        then(client, id)
    })
}

/// The body of `mp_intent_status` and `mp_refund_status`.
pub(crate) fn status_export(
    kind: Kind,
    client: *mut MpClient,
    id: (*const c_char, &str),
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> MpStatus {
    about_one(client, id, |client, id| {
        let snapshot = match kind {
            Kind::Sale => client.intent(id)?.into_snapshot(),
            Kind::Refund => client.refund(id)?.into_snapshot(),
        };
        snapshot_to(snapshot, out_state, out_json)
    })
}

/// The body of `mp_cancel_intent` and `mp_cancel_refund`.
pub(crate) fn cancel_export(
    kind: Kind,
    client: *mut MpClient,
    device_id: *const c_char,
    (id, id_name): (*const c_char, &str),
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let id = unsafe { text(id, id_name) }?;
        let reply = match kind {
            Kind::Sale => client.cancel_intent(device_id, id)?,
            Kind::Refund => client.cancel_refund(device_id, id)?,
        };
        reply_to(reply, Out::optional(out_json))
    })
}

/// The body of `mp_wait_intent` and `mp_wait_refund`: the same wait over either kind, with a
/// callback of either calling convention.
pub(crate) fn wait_export<C: WaitCallbackFn>(
    kind: Kind,
    client: *mut MpClient,
    id: (*const c_char, &str),
    timeout_ms: u32,
    (callback, user_data): (Option<C>, *mut c_void),
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> MpStatus {
    about_one(client, id, |client, id| {
        let mut progress = progress_of(callback, user_data);
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        let outcome = match kind {
            Kind::Sale => client.wait_intent(id, timeout, &mut progress),
            Kind::Refund => client.wait_refund(id, timeout, &mut progress),
        }?;
        let ended = outcome.not_final();
        let json = outcome.json.map(OwnedText::new).transpose()?;
        unsafe { write_state_and_json(out_state, outcome.state.into(), out_json, json) };
        match ended {
            None => Done::http(outcome.http_status.unwrap_or(0)),
            Some(error) => Err(error),
        }
    })
}
