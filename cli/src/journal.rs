//! `recover`, `ack` and `journal`: what a POS's journal holds, settling what it left in
//! flight, and acknowledging what the POS has recorded.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use mppoint::{JournalEntry, Recovered, Ticket, Verdict};
use serde_json::{json, Value};

use crate::args::Global;
use crate::context::{site_of, Context};
use crate::output::{Exit, Failure, Outcome, Output};
use crate::text;

const NEEDS_JOURNAL: &str = "needs --journal PATH: the journal_path the POS uses";

/// Before the client is made (which creates a missing journal): `--journal` is given and
/// names a file, so that a mistyped path is an error, not a new and empty journal.
pub fn existing(global: &Global, command: &str) -> Outcome<()> {
    let Some(path) = &global.journal else {
        return Err(Failure::usage(format!("{command} {NEEDS_JOURNAL}")));
    };
    if Path::new(path).is_file() {
        return Ok(());
    }
    Err(Failure {
        status: "JOURNAL".to_owned(),
        message: format!("there is no journal at {path}: check --journal (the POS's journal_path)"),
        exit: Exit::Failure,
        details: Default::default(),
    })
}

/// `mppoint recover`: `mp_recover` on the journal, as the POS runs it at start-up.
pub fn recover(ctx: &Context, timeout: Duration) -> Outcome<Exit> {
    if ctx.client.config().journal_path.is_none() {
        return Err(Failure::usage(format!("recover {NEEDS_JOURNAL}")));
    }
    let report = ctx.client.recover(timeout)?;
    let document: Value = serde_json::from_str(&report.to_json()).unwrap_or(Value::Null);
    let pending = report
        .tickets
        .iter()
        .filter(|t| t.verdict == Verdict::Pending)
        .count();
    let shown = format!(
        "{}{}",
        tickets_text(&report.tickets),
        recovered_text(&report.sales, ctx)
    );
    ctx.out.result(&document, &shown);
    Ok(if pending > 0 {
        Exit::NotSettled
    } else {
        Exit::Ok
    })
}

/// One line per ticket: what the POS acts on.
fn tickets_text(tickets: &[Ticket]) -> String {
    if tickets.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = tickets
        .iter()
        .map(|t| {
            // The approved payments; for check_terminal, the terminal's payment when known.
            let payments = if t.payment_ids.is_empty() {
                t.payment_id.clone().unwrap_or_default()
            } else {
                t.payment_ids.join(" ")
            };
            vec![
                t.ticket.clone(),
                t.verdict.as_str().to_owned(),
                payments,
                t.entries.len().to_string(),
                action(t.verdict).to_owned(),
            ]
        })
        .collect();
    format!(
        "{}\n\n",
        text::table(
            &["TICKET", "VERDICT", "PAYMENTS", "ENTRIES", "WHAT TO DO"],
            &rows
        )
    )
}

/// What the POS (or the technician) does about a ticket with this verdict.
fn action(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Paid => "record it paid; never sell it again",
        Verdict::NotPaid => "nothing was paid: it may be sold again",
        Verdict::Pending => "not settled yet: run recover again",
        Verdict::PaidTwice => "paid twice: refund all but one payment",
        Verdict::Refunded => "the money went back",
        Verdict::CheckTerminal => "look at the terminal before selling it again",
    }
}

fn recovered_text(settled: &[Recovered], ctx: &Context) -> String {
    if settled.is_empty() {
        return "nothing to recover: no sale or refund was left in flight".to_owned();
    }
    let rows: Vec<Vec<String>> = settled
        .iter()
        .map(|r| {
            let payment = r.payment.as_ref().map_or(String::new(), |p| {
                format!("{} {}", text::field(p, "id"), text::field(p, "state"))
            });
            vec![
                r.kind.as_str().to_owned(),
                r.intent_id.clone().unwrap_or_else(|| "-".into()),
                text::amount(r.amount, ctx.site),
                r.state.as_str().to_owned(),
                payment.trim().to_owned(),
                r.resolution.clone(),
                r.idempotency_key.clone(),
            ]
        })
        .collect();
    let mut shown = text::table(
        &[
            "KIND",
            "ID",
            "AMOUNT",
            "STATE",
            "PAYMENT",
            "RESOLUTION",
            "KEY",
        ],
        &rows,
    );
    if settled.iter().any(|r| r.resolution == "pending") {
        shown.push_str(
            "\nsome are still on a terminal or could not be reached: run `mppoint recover` again",
        );
    }
    if settled.iter().any(|r| r.resolution != "pending") {
        shown.push_str(
            "\nthey are reported again until acknowledged: once the POS has recorded them, \
             `mppoint ack KEY...` or `mppoint ack --report FILE` (this report with --json)",
        );
    }
    shown
}

/// `mppoint ack KEY...`: `mp_acknowledge` for each key, in order; the first that fails stops
/// it, saying which were acknowledged before.
pub fn ack(ctx: &Context, keys: &[String]) -> Outcome<Exit> {
    let mut done: Vec<&str> = Vec::new();
    for key in keys {
        if let Err(e) = ctx.client.acknowledge(key) {
            // The journal is there (`existing`): an invalid argument is an entry that is not
            // settled yet, which recovery must still report.
            let unsettled = e.kind() == mppoint::ErrorKind::InvalidArgument;
            let mut failure = Failure::from(e)
                .with("idempotency_key", key.as_str())
                .with("acknowledged", done.clone());
            failure.message = format!("{key}: {}", failure.message);
            if unsettled {
                failure.exit = Exit::NotSettled;
                failure = failure.advise("settle it first with `mppoint recover`");
            }
            if !done.is_empty() {
                failure = failure.advise(&format!("acknowledged before it: {}", done.join(", ")));
            }
            return Err(failure);
        }
        done.push(key);
    }
    ctx.out.result(
        &json!({ "acknowledged": done }),
        &format!(
            "acknowledged {}: recover no longer reports {}",
            done.join(", "),
            if done.len() == 1 { "it" } else { "them" }
        ),
    );
    Ok(Exit::Ok)
}

/// `mppoint ack --report FILE`: `mp_acknowledge_report` with a report of `recover --json`
/// (`-`: stdin). Its pending entries are left, and the exit code says so.
pub fn ack_report(ctx: &Context, file: &str) -> Outcome<Exit> {
    let mut report = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut report).map(|_| ())
    } else {
        std::fs::read_to_string(file).map(|text| report = text)
    };
    read.map_err(|e| Failure::usage(format!("cannot read the report {file}: {e}")))?;
    let document: Value = serde_json::from_str(&report).unwrap_or(Value::Null);
    if let Some(error) = document.get("error") {
        return Err(Failure::usage(format!(
            "{file} is an error of mppoint, not a report: {}",
            text::field(error, "message")
        )));
    }
    let count = ctx.client.acknowledge_report(&report)?;
    let pending = pending_keys(&document);
    let mut shown = format!(
        "acknowledged {count} entr{} of the report: recover no longer reports {}",
        if count == 1 { "y" } else { "ies" },
        if count == 1 { "it" } else { "them" }
    );
    if !pending.is_empty() {
        shown.push_str(&format!(
            "\n{} still pending, not acknowledged ({}): run `mppoint recover` again",
            pending.len(),
            pending.join(", ")
        ));
    }
    ctx.out.result(
        &json!({ "acknowledged": count, "pending": pending }),
        &shown,
    );
    Ok(if pending.is_empty() {
        Exit::Ok
    } else {
        Exit::NotSettled
    })
}

/// The keys of a report's entries still pending (its sales and its tickets' entries).
fn pending_keys(report: &Value) -> Vec<String> {
    let sales = report["sales"].as_array().into_iter().flatten();
    let entries = report["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["entries"].as_array())
        .flatten();
    let mut keys: Vec<String> = Vec::new();
    for entry in sales.chain(entries) {
        let key = text::field(entry, "idempotency_key");
        if entry["resolution"] == "pending" && !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// `mppoint journal`: the entries, newest first, read without changing the file.
pub fn list(global: &Global, pending_only: bool, out: Output) -> Outcome<Exit> {
    let Some(path) = &global.journal else {
        return Err(Failure::usage(format!("journal {NEEDS_JOURNAL}")));
    };
    let entries: Vec<JournalEntry> = mppoint::read_journal(path)?
        .into_iter()
        .filter(|e| !pending_only || e.final_at_ms.is_none())
        .collect();
    let site = global.site.map(site_of);
    let document = json!({ "entries": entries.iter().map(entry_json).collect::<Vec<_>>() });
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                time(e.created_at_ms),
                e.kind.as_str().to_owned(),
                e.api.as_str().to_owned(),
                e.object_id.clone().unwrap_or_else(|| "-".into()),
                text::amount(e.amount, site),
                e.state.as_str().to_owned(),
                e.resolution.clone().unwrap_or_default(),
                if e.owner_alive { "running" } else { "ended" }.to_owned(),
                e.device_id.clone(),
            ]
        })
        .collect();
    let shown = if rows.is_empty() {
        format!(
            "{} in {path}",
            if pending_only {
                "no pending sale or refund"
            } else {
                "no sale or refund"
            }
        )
    } else {
        text::table(
            &[
                "CREATED (UTC)",
                "KIND",
                "API",
                "ID",
                "AMOUNT",
                "STATE",
                "RESOLUTION",
                "PROCESS",
                "DEVICE",
            ],
            &rows,
        )
    };
    out.result(&document, &shown);
    Ok(Exit::Ok)
}

fn entry_json(e: &JournalEntry) -> Value {
    json!({
        "idempotency_key": e.idempotency_key,
        "kind": e.kind.as_str(),
        "api": e.api.as_str(),
        "device_id": e.device_id,
        "amount": e.amount,
        "external_reference": e.external_reference,
        "ticket": e.ticket,
        "intent_id": e.object_id,
        "payment_id": e.payment_id,
        "state": e.state.as_str(),
        "payment": e.payment,
        "resolution": e.resolution,
        "created_at": time(e.created_at_ms),
        "updated_at": time(e.updated_at_ms),
        "final_at": e.final_at_ms.map(time),
        "acknowledged_at": e.acknowledged_at_ms.map(time),
        "process_running": e.owner_alive,
    })
}

/// Unix milliseconds as RFC 3339 in UTC, to the second.
fn time(ms: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}
