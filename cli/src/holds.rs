//! `holds` and `clear`: what the POS's journal has unfinished on a terminal (what keeps it
//! busy), and freeing it of what the customer has not taken. `main` has checked that the
//! journal exists.

use serde_json::Value;

use crate::context::Context;
use crate::output::{Exit, Outcome};
use crate::{devices, text};

/// What a technician reads when the journal has nothing on a busy terminal.
const ELSEWHERE: &str = "if the terminal is still busy, what holds it was made elsewhere: \
                         another POS or journal, or on the terminal itself";

/// `mppoint holds`: `mp_device_holds`, which sends nothing.
pub fn holds(ctx: &Context, device: Option<&str>) -> Outcome<Exit> {
    let device = devices::pick(ctx, device)?;
    let answer: Value =
        serde_json::from_str(&ctx.client.device_holds(&device)?).unwrap_or(Value::Null);
    let holds = entries(&answer, "holds");
    let shown = if holds.is_empty() {
        format!("nothing of this journal holds {device}\n{ELSEWHERE}")
    } else {
        format!(
            "{device} is held by {} of this journal:\n{}\n`mppoint clear` cancels what is still \
             OPEN; what the terminal has taken is finished or cancelled on the terminal",
            count(holds.len()),
            table(holds, false, ctx)
        )
    };
    ctx.out.result(&answer, &shown);
    Ok(Exit::Ok)
}

/// `mppoint clear`: `mp_device_clear`; not settled (4) while something still holds the
/// terminal.
pub fn clear(ctx: &Context, device: Option<&str>) -> Outcome<Exit> {
    let device = devices::pick(ctx, device)?;
    let answer: Value =
        serde_json::from_str(&ctx.client.device_clear(&device)?).unwrap_or(Value::Null);
    let cleared = entries(&answer, "cleared");
    let holding = entries(&answer, "holding");
    let free = answer["free"].as_bool() == Some(true);
    let mut shown = String::new();
    if !cleared.is_empty() {
        shown.push_str(&format!(
            "cleared (final now; CANCELED: cancelled by this command):\n{}\n\n",
            table(cleared, false, ctx)
        ));
    }
    if free {
        shown.push_str(&format!(
            "{device} is free of this journal's sales and refunds\n{ELSEWHERE}"
        ));
    } else {
        shown.push_str(&format!(
            "{device} is still held by {}:\n{}",
            count(holding.len()),
            table(holding, true, ctx)
        ));
    }
    ctx.out.result(&answer, &shown);
    Ok(if free { Exit::Ok } else { Exit::NotSettled })
}

fn entries<'a>(answer: &'a Value, list: &str) -> &'a [Value] {
    answer[list]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 sale or refund".to_owned()
    } else {
        format!("{n} sales or refunds")
    }
}

/// The entries in columns; with `why`, what keeps each on the terminal.
fn table(list: &[Value], why: bool, ctx: &Context) -> String {
    let mut header = vec![
        "KIND",
        "ID",
        "AMOUNT",
        "STATE",
        "REFERENCE",
        "PROCESS",
        "KEY",
    ];
    if why {
        header.push("WHY");
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|e| {
            let id = text::field(e, "intent_id");
            let mut row = vec![
                text::field(e, "kind"),
                if id.is_empty() { "-".to_owned() } else { id },
                text::amount(e["amount"].as_i64(), ctx.site),
                text::field(e, "state"),
                text::field(e, "external_reference"),
                if e["process_running"] == true {
                    "running"
                } else {
                    "ended"
                }
                .to_owned(),
                text::field(e, "idempotency_key"),
            ];
            if why {
                row.push(why_held(e).to_owned());
            }
            row
        })
        .collect();
    text::table(&header, &rows)
}

/// Why clear left an entry on the terminal, and what to do.
fn why_held(entry: &Value) -> &'static str {
    if entry["intent_id"].is_null() {
        return "its create has had no answer yet: `mppoint recover` settles it once its \
                process has ended";
    }
    match entry["state"].as_str() {
        Some("ON_TERMINAL" | "PROCESSING" | "PROCESSED") => {
            "on the terminal: finish or cancel it there"
        }
        _ => "it could not be read now: try again",
    }
}
