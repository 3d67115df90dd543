//! `recover` and `journal`: what a POS's journal holds, and settling what it left in flight.

use std::time::{Duration, UNIX_EPOCH};

use mppoint::{JournalEntry, Recovered, Ticket, Verdict};
use serde_json::{json, Value};

use crate::args::Global;
use crate::context::{site_of, Context};
use crate::output::{Exit, Failure, Outcome, Output};
use crate::text;

const NEEDS_JOURNAL: &str = "needs --journal PATH: the journal_path the POS uses";

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
            vec![
                t.ticket.clone(),
                t.verdict.as_str().to_owned(),
                t.payment_ids.join(" "),
                t.entries.len().to_string(),
            ]
        })
        .collect();
    format!(
        "{}\n\n",
        text::table(&["TICKET", "VERDICT", "PAID PAYMENTS", "ENTRIES"], &rows)
    )
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
    shown
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
        "intent_id": e.object_id,
        "state": e.state.as_str(),
        "payment": e.payment,
        "resolution": e.resolution,
        "created_at": time(e.created_at_ms),
        "updated_at": time(e.updated_at_ms),
        "final_at": e.final_at_ms.map(time),
        "process_running": e.owner_alive,
    })
}

/// Unix milliseconds as RFC 3339 in UTC, to the second.
fn time(ms: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}
