//! The commands that talk to the service: one library call each (`sale` and `refund` wait,
//! in `waits`), shown as text or JSON.

use std::time::Duration;

use mppoint::{OperatingMode, Reply};
use serde_json::{json, Value};

use crate::args::{Command, ModeName, WebhookAction};
use crate::context::Context;
use crate::output::{Exit, Failure, Outcome};
use crate::waits::{self, RefundArgs, SaleArgs};
use crate::{devices, holds, journal, text};

pub fn run(ctx: &Context, command: &Command) -> Outcome<Exit> {
    match command {
        Command::Devices => devices(ctx),
        Command::Mode { device, mode } => set_mode(ctx, device, *mode),
        Command::Sale {
            amount,
            device,
            reference,
            key,
            wait,
        } => waits::sale(
            ctx,
            SaleArgs {
                amount,
                device: device.device.as_deref(),
                reference: reference.as_deref(),
                key: key.as_deref(),
                wait: Duration::from_secs(wait.wait.into()),
            },
        ),
        Command::Status { id, refund } => status(ctx, id, *refund),
        Command::Cancel { id, device } => cancel(ctx, id, device.as_deref()),
        Command::Refund {
            payment,
            device,
            amount,
            key,
            wait,
        } => waits::refund(
            ctx,
            RefundArgs {
                payment,
                device: device.device.as_deref(),
                amount: amount.as_deref(),
                key: key.as_deref(),
                wait: Duration::from_secs(wait.wait.into()),
            },
        ),
        Command::Payment { id } => payment(ctx, id),
        Command::Webhook { action } => webhook(ctx, action),
        Command::Recover { timeout } => {
            journal::recover(ctx, Duration::from_secs((*timeout).into()))
        }
        Command::Ack { keys, report } => match report {
            Some(file) => journal::ack_report(ctx, file),
            None => journal::ack(ctx, keys),
        },
        Command::Holds { device } => holds::holds(ctx, device.device.as_deref()),
        Command::Clear { device } => holds::clear(ctx, device.device.as_deref()),
        Command::Journal { .. } => unreachable!("journal needs no client"),
    }
}

/// The body of an answer as JSON; an empty one (204) is `{}`.
fn body(reply: &Reply) -> Outcome<Value> {
    if reply.body.trim().is_empty() {
        return Ok(json!({}));
    }
    Ok(reply.json()?)
}

fn devices(ctx: &Context) -> Outcome<Exit> {
    let list = devices::list(ctx)?;
    let rows: Vec<Vec<String>> = devices::of(&list)
        .iter()
        .map(|d| {
            [
                "id",
                "operating_mode",
                "pos_id",
                "store_id",
                "external_pos_id",
            ]
            .iter()
            .map(|f| text::field(d, f))
            .collect()
        })
        .collect();
    let shown = if rows.is_empty() {
        "no terminals on this account".to_owned()
    } else {
        text::table(&["DEVICE", "MODE", "POS", "STORE", "EXTERNAL POS"], &rows)
    };
    ctx.out.result(&list, &shown);
    Ok(Exit::Ok)
}

fn set_mode(ctx: &Context, device: &str, mode: ModeName) -> Outcome<Exit> {
    let mode = match mode {
        ModeName::Pdv => OperatingMode::Pdv,
        ModeName::Standalone => OperatingMode::Standalone,
    };
    let answer = body(&ctx.client.set_operating_mode(device, mode)?)?;
    ctx.out.result(
        &json!({ "device_id": device, "operating_mode": mode.as_str(), "answer": answer }),
        &format!(
            "{device} is set to {}: restart the terminal to apply it",
            mode.as_str()
        ),
    );
    Ok(Exit::Ok)
}

fn status(ctx: &Context, id: &str, refund: bool) -> Outcome<Exit> {
    let json = if refund {
        ctx.client.refund(id)?.into_snapshot().into_json()
    } else {
        ctx.client.intent(id)?.into_snapshot().into_json()
    };
    let read: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    let line = if refund {
        format!(
            "refund {id}: {}  of {}",
            text::field(&read, "state"),
            text::field(&read, "payment_id")
        )
    } else {
        format!("sale {id}: {}", text::sale_line(&read, ctx.site))
    };
    ctx.out.result(&read, &line);
    Ok(Exit::Ok)
}

fn cancel(ctx: &Context, id: &str, device: Option<&str>) -> Outcome<Exit> {
    let device = match device {
        Some(device) => device.to_owned(),
        None => ctx.client.intent(id)?.device_id().ok_or_else(|| {
            Failure::usage(format!(
                "sale {id} names no terminal: give it with --device"
            ))
        })?,
    };
    ctx.client.cancel_intent(&device, id).map_err(|e| {
        let locked = e.kind() == mppoint::ErrorKind::IntentLocked;
        let failure = Failure::from(e);
        if locked {
            failure.advise("the terminal has taken it: only the terminal can cancel it now")
        } else {
            failure
        }
    })?;
    let read: Value = serde_json::from_str(ctx.client.intent(id)?.json()).unwrap_or(Value::Null);
    ctx.out.result(
        &read,
        &format!("sale {id}: {}", text::sale_line(&read, ctx.site)),
    );
    Ok(Exit::Ok)
}

fn payment(ctx: &Context, id: &str) -> Outcome<Exit> {
    let payment = body(&ctx.client.payment(id)?)?;
    let field = |path: &str| text::field(&payment, path);
    let mut line = format!("payment {id}: {}", field("status"));
    let mut add = |label: &str, value: String| {
        if !value.trim().is_empty() {
            line.push_str(&format!("  {label} {}", value.trim()));
        }
    };
    add("detail", field("status_detail"));
    add(
        "amount",
        format!("{} {}", field("transaction_amount"), field("currency_id")),
    );
    let last_four = field("card.last_four_digits");
    let digits = if last_four.is_empty() {
        String::new()
    } else {
        format!(" ****{last_four}")
    };
    add("card", format!("{}{digits}", field("payment_method_id")));
    add("installments", field("installments"));
    add("authorization", field("authorization_code"));
    ctx.out.result(&payment, &line);
    Ok(Exit::Ok)
}

fn webhook(ctx: &Context, action: &WebhookAction) -> Outcome<Exit> {
    match action {
        WebhookAction::Show => {
            let integrator = body(&ctx.client.integrator()?)?;
            let url = text::field(&integrator, "webhook");
            let checked = integrator["is_valid_webhook"].as_bool() == Some(true);
            ctx.out.result(
                &integrator,
                &format!(
                    "webhook: {}\nchecked: {}\nsigning secret: {}",
                    if url.is_empty() { "(none)" } else { &url },
                    if checked {
                        "yes"
                    } else {
                        "no (run `mppoint webhook check`)"
                    },
                    text::field(&integrator, "token")
                ),
            );
        }
        WebhookAction::Set { url } => {
            let answer = body(&ctx.client.set_webhook(url)?)?;
            ctx.out.result(
                &json!({ "webhook": url, "answer": answer }),
                &format!("webhook set to {url}: check it with `mppoint webhook check`"),
            );
        }
        WebhookAction::Check => {
            let answer = body(&ctx.client.check_webhook()?)?;
            ctx.out.result(
                &json!({ "checked": true, "answer": answer }),
                "the webhook answered the service's challenge: notifications will be sent",
            );
        }
    }
    Ok(Exit::Ok)
}
