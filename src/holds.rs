//! What holds a terminal, as the journal knows it (every process on the same file), and
//! clearing it safely: what the customer has not taken (`OPEN`) is cancelled; what the
//! terminal has taken is never touched, only reported.
//!
//! The Orders API has no documented way to ask the service what a terminal holds (no order
//! search for Point: `GET /v1/orders` is an online-payments call whose use for Point is not
//! documented), so an order made elsewhere — another POS, another journal — is not seen here;
//! a busy terminal's error says so when the journal knows nothing.

use serde_json::{json, Value};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::journal::JournalEntry;
use crate::model::{validate_id, IntentState};
use crate::recover::Recovered;

/// An entry as these answers show it: the recovery entry, and whether a process follows it.
fn entry_json(entry: &JournalEntry) -> Value {
    let mut value = Recovered::of(entry).to_json();
    value["process_running"] = entry.owner_alive.into();
    value
}

fn journal_of(engine: &Engine) -> Result<&crate::journal::Journal> {
    engine.journal().ok_or_else(|| {
        Error::invalid(
            "what holds a terminal is known from the journal: pass journal_path to \
             mp_init_with_options",
        )
    })
}

/// `{"device_id","holds":[…]}`: the unfinished entries on `device_id`, oldest first.
pub(crate) fn holds(engine: &Engine, device_id: &str) -> Result<Value> {
    validate_id("device id", device_id)?;
    let entries = journal_of(engine)?.unfinished_on(device_id)?;
    Ok(json!({
        "device_id": device_id,
        "holds": entries.iter().map(entry_json).collect::<Vec<_>>(),
    }))
}

/// Settles what holds `device_id`: each unfinished entry with an id is read; one still `OPEN`
/// is cancelled; one found final is recorded. `{"device_id","cleared":[…],"holding":[…],
/// "free"}`: `holding` is what still holds it (on the terminal, without an id yet, or
/// unreadable now), `free` whether nothing of this journal does.
pub(crate) fn clear(engine: &Engine, device_id: &str) -> Result<Value> {
    validate_id("device id", device_id)?;
    let journal = journal_of(engine)?;
    let mut cleared = Vec::new();
    let mut holding = Vec::new();
    for entry in journal.unfinished_on(device_id)? {
        let settled = entry
            .object_id
            .as_deref()
            .and_then(|id| settle(engine, &entry, id));
        let now = journal.entry(&entry.idempotency_key)?.unwrap_or(entry);
        match settled {
            Some(state) if state.is_final() => cleared.push(entry_json(&now)),
            _ => holding.push(entry_json(&now)),
        }
    }
    Ok(json!({
        "device_id": device_id,
        "free": holding.is_empty(),
        "cleared": cleared,
        "holding": holding,
    }))
}

/// Reads the entry; cancels it while `OPEN`. Its state after, `None` if unreadable.
fn settle(engine: &Engine, entry: &JournalEntry, id: &str) -> Option<IntentState> {
    let api = entry.api;
    let read = engine.read(api, entry.kind, id, None).ok()?;
    if read.state != IntentState::Open {
        return Some(read.state);
    }
    let cancel = engine.cancel(api, entry.kind, &entry.device_id, id);
    let after = engine.read(api, entry.kind, id, None).ok();
    let state = match (&after, &cancel) {
        (Some(after), _) => after.state,
        // Unreadable after a cancel that succeeded: cancelled.
        (None, Ok(_)) => IntentState::Canceled,
        (None, Err(_)) => return None,
    };
    if state == IntentState::Canceled {
        if let Some(journal) = engine.journal() {
            let _ = journal.resolve(&entry.idempotency_key, state, None, "canceled");
        }
    }
    Some(state)
}
