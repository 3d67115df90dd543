//! Recovery after a crash (`mp_recover`): every sale and refund the journal holds for a
//! process that has ended is settled, and what became of each is reported.
//!
//! The rules, for each entry of an ended process:
//! - with an id: it is read; a final state is `finished`; one still `OPEN` (the customer never
//!   saw it: the POS restarting voids that sale) is cancelled, `canceled`; one on the terminal
//!   is waited on for what is left of the timeout, then `finished` or `pending`;
//! - without an id (the process ended before the create's answer): the same create is sent
//!   again with the same idempotency key, which returns the sale if the service made it, and
//!   makes it once if it did not; then as above, except that a sale the resend made anew is
//!   cancelled at once and reported `never_created` (the service never had it before) — so
//!   recovery never leaves a payable sale behind and never makes a second one;
//! - a create the service refuses, or a sale it does not know (404), is `never_created`;
//!   one that cannot be settled now (no network, a busy terminal) is `pending`: call again.
//!
//! Entries already settled are reported as they were, without a request, so recovering twice
//! gives the same answer.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::JournalEntry;
use crate::model::IntentState;
use crate::sale::{Kind, Snapshot};
use crate::wait::{self, Progress};

/// Final entries created this recently are reported too: their process may have ended
/// between reading the final state and recording it.
pub(crate) const REPORT_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// What recovery found for one sale or refund.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    pub idempotency_key: String,
    /// The intent, order or refund id (`None` if the service never had it).
    pub intent_id: Option<String>,
    pub kind: Kind,
    pub device_id: String,
    pub amount: Option<i64>,
    pub external_reference: Option<String>,
    pub state: IntentState,
    /// The normalised payment, when the sale has one.
    pub payment: Option<Value>,
    /// `finished`, `canceled`, `never_created` or `pending`.
    pub resolution: String,
}

impl Recovered {
    pub fn to_json(&self) -> Value {
        json!({
            "idempotency_key": self.idempotency_key,
            "intent_id": self.intent_id,
            "kind": self.kind.as_str(),
            "device_id": self.device_id,
            "amount": self.amount,
            "external_reference": self.external_reference,
            "state": self.state.as_str(),
            "payment": self.payment,
            "resolution": self.resolution,
        })
    }

    fn of(entry: &JournalEntry, resolution: &str) -> Recovered {
        Recovered {
            idempotency_key: entry.idempotency_key.clone(),
            intent_id: entry.object_id.clone(),
            kind: entry.kind,
            device_id: entry.device_id.clone(),
            amount: entry.amount,
            external_reference: entry.external_reference.clone(),
            state: entry.state,
            payment: entry.payment.clone(),
            resolution: resolution.to_owned(),
        }
    }
}

/// `{"sales":[…]}` of `mp_recover`.
pub fn to_json(recovered: &[Recovered]) -> String {
    json!({ "sales": recovered.iter().map(Recovered::to_json).collect::<Vec<_>>() }).to_string()
}

/// Settles every entry of ended processes within `timeout` (see the module's rules).
pub(crate) fn recover(engine: &Engine, timeout: Duration) -> Result<Vec<Recovered>> {
    let journal = engine.journal().ok_or_else(|| {
        Error::invalid("mp_recover needs a journal: pass journal_path to mp_init_with_options")
    })?;
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    for entry in journal.of_ended_processes(REPORT_WINDOW)? {
        if entry.final_at_ms.is_some() {
            let resolution = entry
                .resolution
                .clone()
                .unwrap_or_else(|| "finished".into());
            out.push(Recovered::of(&entry, &resolution));
            continue;
        }
        let settled = settle(engine, &entry, deadline)?;
        if entry.object_id.is_none() {
            if let Some(snapshot) = &settled.snapshot {
                journal.created(&entry.idempotency_key, snapshot)?;
            }
        }
        let payment = settled.snapshot.as_ref().and_then(|s| s.field("payment"));
        journal.resolve(
            &entry.idempotency_key,
            settled.state,
            payment.as_deref(),
            settled.resolution,
        )?;
        let mut recovered = Recovered::of(&entry, settled.resolution);
        recovered.state = settled.state;
        if let Some(snapshot) = &settled.snapshot {
            let id = snapshot.id();
            recovered.intent_id = (!id.is_empty()).then_some(id);
            recovered.payment = payment.and_then(|p| serde_json::from_str(&p).ok());
        }
        out.push(recovered);
    }
    journal.forget_settled_owners()?;
    Ok(out)
}

struct Settled {
    state: IntentState,
    snapshot: Option<Snapshot>,
    resolution: &'static str,
}

fn pending(state: IntentState, snapshot: Option<Snapshot>) -> Settled {
    Settled {
        state,
        snapshot,
        resolution: "pending",
    }
}

fn settle(engine: &Engine, entry: &JournalEntry, deadline: Instant) -> Result<Settled> {
    let api = entry.api;
    let mut made_anew = false;
    let snapshot = match &entry.object_id {
        Some(id) => match engine.read(api, entry.kind, id, None) {
            Ok(snapshot) => snapshot,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(Settled {
                    state: IntentState::Unknown,
                    snapshot: None,
                    resolution: "never_created",
                })
            }
            Err(_) => return Ok(pending(entry.state, None)),
        },
        None => match resend(engine, entry) {
            Ok((snapshot, anew)) => {
                made_anew = anew;
                snapshot
            }
            Err(e) if matches!(e.kind(), ErrorKind::Api | ErrorKind::InvalidArgument) => {
                return Ok(Settled {
                    state: IntentState::Unknown,
                    snapshot: None,
                    resolution: "never_created",
                })
            }
            Err(_) => return Ok(pending(entry.state, None)),
        },
    };
    let id = snapshot.id();
    if snapshot.state.is_final() {
        return Ok(Settled {
            state: snapshot.state,
            snapshot: Some(snapshot),
            resolution: if made_anew {
                "never_created"
            } else {
                "finished"
            },
        });
    }
    if snapshot.state == IntentState::Open {
        // Whatever the cancel answers (it may have just been taken), the read says.
        let _ = engine.cancel(api, entry.kind, &entry.device_id, &id);
        let after = engine.read(api, entry.kind, &id, None).ok();
        let state = after.as_ref().map_or(snapshot.state, |s| s.state);
        if state == IntentState::Canceled {
            return Ok(Settled {
                state,
                snapshot: after,
                resolution: if made_anew {
                    "never_created"
                } else {
                    "canceled"
                },
            });
        }
        if state.is_final() {
            return Ok(Settled {
                state,
                snapshot: after,
                resolution: "finished",
            });
        }
    }
    // On the terminal: the customer may be paying. Wait for what is left of the timeout.
    let left = deadline.saturating_duration_since(Instant::now());
    let outcome = wait::wait(engine, api, entry.kind, &id, left, &mut |_, _| {
        Progress::Continue
    });
    match outcome {
        Ok(outcome) if outcome.state.is_final() => {
            let http_status = outcome.http_status.unwrap_or(0);
            let last = outcome
                .json
                .map(|json| Snapshot::of_read(outcome.state, json, http_status));
            Ok(Settled {
                state: outcome.state,
                snapshot: last,
                resolution: "finished",
            })
        }
        Ok(outcome) => Ok(pending(outcome.state, Some(snapshot))),
        Err(_) => Ok(pending(snapshot.state, Some(snapshot))),
    }
}

/// Sends the entry's create again with its key: the sale the service has for it, and whether
/// this request made it (a `201 Created` answer; a replay of an earlier one answers `200`, or
/// shows an object made before recovery began).
fn resend(engine: &Engine, entry: &JournalEntry) -> Result<(Snapshot, bool)> {
    let started = std::time::SystemTime::now();
    let snapshot = engine.resend(entry)?;
    let older = engine.wire_of(entry.api).made_before(&snapshot, started);
    let anew = snapshot.http_status() == 201 && !older;
    Ok((snapshot, anew))
}
