//! `sale` and `refund`: create, then wait for the customer with a live line, Ctrl-C
//! cancelling while the terminal has not taken it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use mppoint::{
    ErrorKind, IntentState, Kind, NewRefund, NewSale, Progress, Refund, Sale, Site, Snapshot,
    WaitEnd,
};
use serde_json::Value;

use crate::context::Context;
use crate::output::{Exit, Failure, Outcome};
use crate::progress::Line;
use crate::{devices, text};

/// Ctrl-C presses since the handler was installed. The first asks for a cancel, the second
/// to stop waiting.
static PRESSES: AtomicU32 = AtomicU32::new(0);

fn watch_ctrl_c() -> Outcome<()> {
    ctrlc::set_handler(|| {
        PRESSES.fetch_add(1, Ordering::SeqCst);
    })
    .map_err(|e| Failure {
        status: "INTERNAL".into(),
        message: format!("cannot watch for Ctrl-C: {e}"),
        exit: Exit::Failure,
        details: Default::default(),
    })
}

pub struct SaleArgs<'a> {
    pub amount: &'a str,
    pub device: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub key: Option<&'a str>,
    pub wait: Duration,
}

pub fn sale(ctx: &Context, args: SaleArgs<'_>) -> Outcome<Exit> {
    let amount = typed_amount(args.amount, ctx.site)?;
    let mut sale = NewSale::new(amount);
    sale.external_reference = args.reference.map(str::to_owned);
    let device = devices::pick(ctx, args.device)?;
    // Before the create: a Ctrl-C while it is on its way cancels it as soon as it is made.
    watch_ctrl_c()?;
    let line = Line::start(format!("sale of {}", text::amount(Some(amount), ctx.site)));
    let created = ctx
        .client
        .create_intent(&device, &sale, args.key)
        .map(Sale::into_snapshot);
    let (id, sale) = follow_created(ctx, Kind::Sale, &device, args.wait, &line, created)?;
    let approved = text::field(&sale, "state") == "FINISHED"
        && text::field(&sale, "payment.state") == "approved";
    let verdict = if approved {
        "approved: hand over the goods"
    } else if text::field(&sale, "state") == "CONFIRMATION_REQUIRED" {
        "look at the terminal: hand over the goods only if it shows the payment approved"
    } else {
        "not paid: do not hand over the goods"
    };
    ctx.out.result(
        &sale,
        &format!("sale {id}: {}\n{verdict}", text::sale_line(&sale, ctx.site)),
    );
    Ok(if approved {
        Exit::Ok
    } else {
        Exit::NotApproved
    })
}

/// An amount as the technician typed it (`15.00`; whole pesos on MLC) in minor units, checked
/// against the site's limits by the library before anything is sent, as a POS's would be. A
/// refusal speaks in the unit typed (`amount 1.00 … between 5.00 and 4000000.00`), where the
/// library's own message, written for a POS's programmer, counts minor units.
fn typed_amount(text: &str, site: Option<Site>) -> Outcome<i64> {
    let minor = mppoint::parse_amount(text, site)?;
    mppoint::validate_amount(minor, site).map_err(|e| {
        let (min, max) = amount_limits(site);
        let mut failure = Failure::from(e);
        failure.message = format!(
            "amount {text} is out of range{}: it must be between {} and {}{}",
            site.map_or(String::new(), |s| format!(" on site {}", s.code())),
            text::amount(Some(min), site),
            text::amount(Some(max), site),
            match site {
                Some(Site::Chile) => " (whole pesos)",
                Some(_) => "",
                None => " (--site gives the account's own limits)",
            }
        );
        failure
    })?;
    Ok(minor)
}

/// The limits `mppoint::validate_amount` applies, in minor units: the site's, or without a
/// site the widest of them (`amount_limits_are_the_librarys` holds the two together).
fn amount_limits(site: Option<Site>) -> (i64, i64) {
    const SITES: [Site; 4] = [Site::Argentina, Site::Brazil, Site::Mexico, Site::Chile];
    match site {
        Some(site) => site.amount_limits(),
        None => (
            1,
            SITES
                .map(|s| s.amount_limits().1)
                .into_iter()
                .max()
                .unwrap_or(0),
        ),
    }
}

pub struct RefundArgs<'a> {
    pub payment: &'a str,
    pub device: Option<&'a str>,
    pub amount: Option<&'a str>,
    pub key: Option<&'a str>,
    pub wait: Duration,
}

pub fn refund(ctx: &Context, args: RefundArgs<'_>) -> Outcome<Exit> {
    let mut refund = NewRefund::of(args.payment);
    refund.amount = args.amount.map(|a| typed_amount(a, ctx.site)).transpose()?;
    let device = devices::pick(ctx, args.device)?;
    watch_ctrl_c()?;
    let line = Line::start(format!("refund of {}", args.payment));
    let created = ctx
        .client
        .create_refund(&device, &refund, args.key)
        .map(Refund::into_snapshot);
    let (id, refund) = follow_created(ctx, Kind::Refund, &device, args.wait, &line, created)?;
    let state = text::field(&refund, "state");
    let done = state == "FINISHED";
    ctx.out.result(
        &refund,
        &format!(
            "refund {id}: {state}\n{}",
            if done { "refunded" } else { "not refunded" }
        ),
    );
    Ok(if done { Exit::Ok } else { Exit::NotApproved })
}

/// What `sale` and `refund` share after the create: its failure explained, or its id
/// announced and followed to the end. Returns the id and the final read.
fn follow_created(
    ctx: &Context,
    kind: Kind,
    device: &str,
    wait: Duration,
    line: &Line,
    created: mppoint::Result<Snapshot>,
) -> Outcome<(String, Value)> {
    let noun = kind.as_str();
    let created = created.map_err(|e| created_failure(e, noun))?;
    let id = created.id();
    line.note(&format!(
        "{noun} {id} sent to {device} (idempotency key {})",
        created.idempotency_key().unwrap_or_default()
    ));
    let read = follow(ctx, kind, device, &id, wait, line)?;
    line.finish();
    Ok((id, read))
}

/// A create that failed: an unknown outcome gets what to do about it.
fn created_failure(e: mppoint::Error, noun: &str) -> Failure {
    let unknown = e.kind() == ErrorKind::OutcomeUnknown;
    let key = e.idempotency_key().unwrap_or_default().to_owned();
    let failure = Failure::from(e);
    if unknown {
        failure.advise(&format!(
            "run the same command again with --key {key}: it returns the {noun} if it was made, \
             and makes it once if not (or `mppoint recover` on the POS's journal)"
        ))
    } else {
        failure
    }
}

/// Waits for `id` until it is final, the wait runs out, or Ctrl-C: the first press cancels
/// it if the terminal has not taken it, the second stops waiting. Returns the final read.
fn follow(
    ctx: &Context,
    kind: Kind,
    device: &str,
    id: &str,
    wait: Duration,
    line: &Line,
) -> Outcome<Value> {
    let deadline = Instant::now() + wait;
    let mut handled = 0;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let hint = if handled == 0 {
            "Ctrl-C cancels"
        } else {
            "Ctrl-C again stops waiting"
        };
        let mut progress = |state: IntentState, _: &str| {
            line.show(state.as_str(), hint);
            if PRESSES.load(Ordering::SeqCst) > handled {
                Progress::Stop
            } else {
                Progress::Continue
            }
        };
        let outcome = match kind {
            Kind::Sale => ctx.client.wait_intent(id, remaining, &mut progress),
            Kind::Refund => ctx.client.wait_refund(id, remaining, &mut progress),
        }
        .map_err(|e| Failure::from(e).with("intent_id", id))?;
        let stop = |failure: Failure| {
            failure
                .with("intent_id", id)
                .with("state", outcome.state.as_str())
        };
        match outcome.end {
            WaitEnd::Final => {
                let json = outcome.json.as_deref().unwrap_or("{}");
                return Ok(serde_json::from_str(json).unwrap_or(Value::Null));
            }
            WaitEnd::TimedOut => {
                let failure = Failure::from(outcome.not_final().expect("not final"));
                return Err(stop(failure).advise(&format!(
                    "it stays on the terminal: check it with `mppoint status {id}`"
                )));
            }
            WaitEnd::Aborted => {
                handled = PRESSES.load(Ordering::SeqCst);
                if handled >= 2 {
                    let mut failure = Failure::from(outcome.not_final().expect("not final"));
                    failure.message = format!(
                        "stopped waiting for {id}, {}: it may still be paid on the terminal; \
                         check it with `mppoint status {id}`",
                        outcome.state.as_str()
                    );
                    return Err(stop(failure));
                }
                cancel(ctx, kind, device, id, line);
            }
        }
    }
}

/// The first Ctrl-C: cancel, or say why it cannot be.
fn cancel(ctx: &Context, kind: Kind, device: &str, id: &str, line: &Line) {
    let cancelled = match kind {
        Kind::Sale => ctx.client.cancel_intent(device, id),
        Kind::Refund => ctx.client.cancel_refund(device, id),
    };
    match cancelled {
        Ok(_) => line.note("cancelling"),
        Err(e) if e.kind() == ErrorKind::IntentLocked => line.note(
            "the terminal has taken it: cancel it on the terminal, or press Ctrl-C again to \
             stop waiting (it stays there)",
        ),
        Err(e) => line.note(&format!(
            "cannot cancel: {}; press Ctrl-C again to stop waiting",
            e.message()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_limits_are_the_librarys() {
        for site in [
            None,
            Some(Site::Argentina),
            Some(Site::Brazil),
            Some(Site::Mexico),
            Some(Site::Chile),
        ] {
            let (min, max) = amount_limits(site);
            for (amount, passes) in [(min - 1, false), (min, true), (max, true), (max + 1, false)] {
                assert_eq!(
                    mppoint::validate_amount(amount, site).is_ok(),
                    passes,
                    "{amount} on {site:?}"
                );
            }
        }
    }

    #[test]
    fn a_refused_amount_is_told_as_typed() {
        let failure = typed_amount("4000000.01", None).unwrap_err();
        assert_eq!(failure.status, "INVALID_ARGUMENT");
        assert_eq!(
            failure.message,
            "amount 4000000.01 is out of range: it must be between 0.01 and 4000000.00 \
             (--site gives the account's own limits)"
        );
        let chile = typed_amount("99", Some(Site::Chile)).unwrap_err();
        assert_eq!(
            chile.message,
            "amount 99 is out of range on site MLC: it must be between 100 and 10000000 \
             (whole pesos)"
        );
        assert_eq!(typed_amount("15", Some(Site::Argentina)).unwrap(), 1500);
        assert_eq!(typed_amount("1,5", None).unwrap_err().exit, Exit::Usage);
    }
}
