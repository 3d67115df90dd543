//! Recovery after a crash (`mp_recover`): every sale and refund the journal holds for a
//! process that has ended is settled, and what became of each is reported, entry by entry and
//! ticket by ticket (`report`).
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
//! - a sale the service does not know (404) is `never_created`; a resend the service refuses
//!   (a 4xx other than a busy terminal) is `refused`; one that cannot be settled now (no
//!   network, a busy terminal, the progress callback said stop) is `pending`: call again.
//!
//! Entries already settled are reported as they were, without a request, so recovering twice
//! gives the same answer — until the POS acknowledges them (`Journal::acknowledge`).

mod report;

pub use report::{Recovered, Report, Ticket, Verdict};

use std::time::{Duration, Instant};

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::JournalEntry;
use crate::model::IntentState;
use crate::sale::Snapshot;
use crate::wait::{self, Progress};

/// Final entries created this recently are reported too: their process may have ended
/// between reading the final state and recording it.
pub(crate) const REPORT_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// Settles every entry of ended processes within `timeout` (see the module's rules).
/// `progress` is called before each unfinished entry is settled (its state, its report JSON)
/// and after each read while recovery waits on a terminal (the state, the sale's JSON); once
/// it answers `Stop`, nothing more is sent and what is left is `pending`.
pub(crate) fn recover(
    engine: &Engine,
    timeout: Duration,
    progress: &mut dyn FnMut(IntentState, &str) -> Progress,
) -> Result<Report> {
    let journal = engine.journal().ok_or_else(|| {
        Error::invalid("mp_recover needs a journal: pass journal_path to mp_init_with_options")
    })?;
    let deadline = Instant::now() + timeout;
    let mut stopped = false;
    let mut report = Report::default();
    for entry in journal.to_report(REPORT_WINDOW)? {
        if entry.final_at_ms.is_none()
            && !stopped
            && progress(entry.state, &Recovered::of(&entry).to_json().to_string()) == Progress::Stop
        {
            stopped = true;
        }
        if entry.final_at_ms.is_none() && !stopped {
            let mut watch = |state: IntentState, json: &str| {
                let answer = progress(state, json);
                stopped |= answer == Progress::Stop;
                answer
            };
            let settled = settle(engine, &entry, deadline, &mut watch)?;
            if let Some(snapshot) = &settled.snapshot {
                if entry.object_id.is_none() {
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
        }
        let now = journal.entry(&entry.idempotency_key)?.unwrap_or(entry);
        report.sales.push(Recovered::of(&now));
    }
    let mut tickets: Vec<&str> = Vec::new();
    for sale in &report.sales {
        if !tickets.contains(&sale.ticket.as_str()) {
            tickets.push(&sale.ticket);
        }
    }
    let mut grouped = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        let entries = journal.of_ticket(ticket)?;
        grouped.push(Ticket::of(
            ticket.to_owned(),
            entries.iter().map(Recovered::of).collect(),
        ));
    }
    report.tickets = grouped;
    journal.forget_settled_owners()?;
    Ok(report)
}

/// The keys of a report's settled entries (`sales`, and the `tickets`' entries), for
/// acknowledging them; pending ones are left out.
pub(crate) fn settled_keys(report_json: &str) -> Result<Vec<String>> {
    let report: serde_json::Value = serde_json::from_str(report_json)
        .map_err(|e| Error::invalid(format!("report_json is not JSON: {e}")))?;
    let list = |name: &str| match report.get(name) {
        None => Ok(None),
        Some(serde_json::Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err(Error::invalid(format!(
            "report_json: \"{name}\" must be the list mp_recover gives"
        ))),
    };
    let sales = list("sales")?;
    let tickets = list("tickets")?;
    if sales.is_none() && tickets.is_none() {
        return Err(Error::invalid(
            "report_json is not a report of mp_recover (no \"sales\" or \"tickets\")",
        ));
    }
    let ticket_entries = tickets
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("entries").and_then(|e| e.as_array()))
        .flatten();
    let mut keys: Vec<String> = Vec::new();
    for entry in sales.into_iter().flatten().chain(ticket_entries) {
        let key = entry.get("idempotency_key").and_then(|k| k.as_str());
        let resolution = entry.get("resolution").and_then(|r| r.as_str());
        let (Some(key), Some(resolution)) = (key, resolution) else {
            return Err(Error::invalid(
                "report_json: every entry needs its \"idempotency_key\" and \"resolution\"",
            ));
        };
        if resolution != "pending" && !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }
    Ok(keys)
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

fn settled(state: IntentState, snapshot: Option<Snapshot>, resolution: &'static str) -> Settled {
    Settled {
        state,
        snapshot,
        resolution,
    }
}

fn settle(
    engine: &Engine,
    entry: &JournalEntry,
    deadline: Instant,
    progress: &mut dyn FnMut(IntentState, &str) -> Progress,
) -> Result<Settled> {
    let api = entry.api;
    let mut made_anew = false;
    let snapshot = match &entry.object_id {
        Some(id) => match engine.read(api, entry.kind, id, None) {
            Ok(snapshot) => snapshot,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(settled(IntentState::Unknown, None, "never_created"))
            }
            Err(_) => return Ok(pending(entry.state, None)),
        },
        None => match resend(engine, entry) {
            Ok((snapshot, anew)) => {
                made_anew = anew;
                snapshot
            }
            // Refused by the API's checks before a request: this library never sent it.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::InvalidArgument | ErrorKind::Unsupported
                ) =>
            {
                return Ok(settled(IntentState::Unknown, None, "never_created"))
            }
            // The service refused the resend: had it made the sale, the key would have returned
            // it. A busy terminal may be busy with this very sale: pending, asked again later.
            Err(e) if matches!(e.kind(), ErrorKind::Api | ErrorKind::NotFound) => {
                return Ok(settled(IntentState::Unknown, None, "refused"))
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
        // Whatever the cancel answers (it may have just been taken), the read says; when the
        // read fails, a cancel answered with the cancelled sale says it.
        let cancelled = engine.cancel(api, entry.kind, &entry.device_id, &id).ok();
        let after = engine
            .read(api, entry.kind, &id, None)
            .ok()
            .or_else(|| cancelled.and_then(|reply| canceled_in(&reply)));
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
    let outcome = wait::wait(engine, api, entry.kind, &id, left, progress);
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

/// The sale a cancel answered with, if the answer holds it cancelled (the Orders API's does).
fn canceled_in(reply: &crate::transport::Reply) -> Option<Snapshot> {
    let json = reply.json().ok()?;
    let state = IntentState::from_api(json.get("state")?.as_str()?);
    (state == IntentState::Canceled)
        .then(|| Snapshot::of_read(state, reply.body.clone(), reply.status))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Reply;

    fn reply(body: &str) -> Reply {
        Reply {
            status: 200,
            body: body.to_owned(),
            idempotency_key: None,
        }
    }

    #[test]
    fn a_cancel_answered_with_the_cancelled_sale_settles_it_when_the_read_after_fails() {
        // The Orders API's cancel answers with the order, in the shared shape.
        let settled = canceled_in(&reply(r#"{"id":"ORD1","state":"CANCELED"}"#)).unwrap();
        assert_eq!(
            (settled.state, settled.id()),
            (IntentState::Canceled, "ORD1".into())
        );
        // The Point Integration API's answers with its id only: the read must say.
        assert!(canceled_in(&reply(r#"{"id":"I1"}"#)).is_none());
        assert!(canceled_in(&reply(r#"{"id":"ORD1","state":"OPEN"}"#)).is_none());
    }
}
