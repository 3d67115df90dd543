//! What `mp_recover` answers: every entry it settled or reported (`sales`, as 0.3 gave it),
//! and the same entries grouped by the POS's ticket with one verdict each (`tickets`), which
//! is what a POS acts on.

use serde_json::{json, Value};

use crate::journal::JournalEntry;
use crate::model::IntentState;
use crate::sale::Kind;

/// One sale or refund as recovery reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    pub idempotency_key: String,
    /// The intent, order or refund id; `None` if the service has nothing for it. A
    /// `never_created` entry whose resend made an object (cancelled at once) carries its id.
    pub intent_id: Option<String>,
    pub kind: Kind,
    pub device_id: String,
    /// Minor units (a refund: what it refunds, when known).
    pub amount: Option<i64>,
    /// The POS's reference (a refund carries its sale's).
    pub external_reference: Option<String>,
    /// The ticket it belongs to (see `Ticket`).
    pub ticket: String,
    /// A sale's payment number; a refund's refunded payment.
    pub payment_id: Option<String>,
    pub state: IntentState,
    /// The normalised payment, when the sale has one.
    pub payment: Option<Value>,
    /// `finished`, `canceled`, `never_created`, `refused` or `pending`.
    pub resolution: String,
    /// Whether the POS has acknowledged it (`mp_acknowledge`).
    pub acknowledged: bool,
    pub created_at_ms: i64,
}

impl Recovered {
    /// The entry as the journal holds it now.
    pub fn of(entry: &JournalEntry) -> Recovered {
        let resolution = match (&entry.resolution, entry.final_at_ms) {
            (_, None) => "pending".to_owned(),
            (Some(resolution), Some(_)) => resolution.clone(),
            (None, Some(_)) => "finished".to_owned(),
        };
        Recovered {
            idempotency_key: entry.idempotency_key.clone(),
            intent_id: entry.object_id.clone(),
            kind: entry.kind,
            device_id: entry.device_id.clone(),
            amount: entry.amount,
            external_reference: entry.external_reference.clone(),
            ticket: entry.ticket.clone(),
            payment_id: entry.payment_id.clone(),
            state: entry.state,
            payment: entry.payment.clone(),
            resolution,
            acknowledged: entry.acknowledged_at_ms.is_some(),
            created_at_ms: entry.created_at_ms,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "idempotency_key": self.idempotency_key,
            "intent_id": self.intent_id,
            "kind": self.kind.as_str(),
            "device_id": self.device_id,
            "amount": self.amount,
            "external_reference": self.external_reference,
            "ticket": self.ticket,
            "payment_id": self.payment_id,
            "state": self.state.as_str(),
            "payment": self.payment,
            "resolution": self.resolution,
            "acknowledged": self.acknowledged,
            "created_at_ms": self.created_at_ms,
        })
    }

    /// The entry in 0.3's words, as `sales` gives it: 0.3 knew no `refused` (its
    /// `never_created` took in "the service refused it"), so a refused create is
    /// `never_created` there, with `"refused": true` beside it.
    pub fn to_json_0_3(&self) -> Value {
        let mut value = self.to_json();
        let refused = self.resolution == "refused";
        if refused {
            value["resolution"] = "never_created".into();
        }
        value["refused"] = refused.into();
        value
    }

    /// A sale that ended with an approved payment (later refunds aside): its payment number
    /// (or its id, when the answer had no number).
    fn approved_payment(&self) -> Option<String> {
        let state = self.payment.as_ref()?.get("state")?.as_str()?;
        let paid = self.kind == Kind::Sale
            && self.state == IntentState::Finished
            && matches!(state, "approved" | "refunded");
        paid.then(|| {
            self.payment_id
                .clone()
                .or_else(|| self.intent_id.clone())
                .unwrap_or_else(|| self.idempotency_key.clone())
        })
    }

    /// A sale whose payment the service itself reports refunded (an order refunded whole).
    fn refunded_by_service(&self) -> bool {
        self.payment
            .as_ref()
            .and_then(|p| p.get("state"))
            .and_then(Value::as_str)
            == Some("refunded")
    }

    /// Whether this refund gave `sale`'s money back (finished, naming its payment or order).
    fn refunds(&self, sale: &Recovered) -> bool {
        self.kind == Kind::Refund
            && self.state == IntentState::Finished
            && self.payment_id.is_some()
            && (self.payment_id == sale.payment_id || self.payment_id == sale.intent_id)
    }
}

/// What a ticket came to, for the POS to act on (never on a single entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// One approved payment (`payment_id`): the ticket is paid; record it, never sell it again.
    Paid,
    /// Every attempt is final, none approved, nothing payable is left: the ticket is unpaid
    /// and may be sold again.
    NotPaid,
    /// Something of it is not settled (still on a terminal, unreachable, or followed by a
    /// process that still runs): neither sell it again nor give it up; call `mp_recover` again.
    Pending,
    /// Two or more approved payments not refunded (`payment_ids`): the customer paid twice;
    /// refund all but one.
    PaidTwice,
    /// It was paid, and every approved payment was refunded: the money went back.
    Refunded,
    /// An attempt ended `CONFIRMATION_REQUIRED`: only the terminal (or the payment, read with
    /// `mp_get_payment` when `payment_id` is known) says whether it was paid. Neither sell it
    /// again nor hand over the goods before checking.
    CheckTerminal,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Paid => "paid",
            Verdict::NotPaid => "not_paid",
            Verdict::Pending => "pending",
            Verdict::PaidTwice => "paid_twice",
            Verdict::Refunded => "refunded",
            Verdict::CheckTerminal => "check_terminal",
        }
    }
}

/// Every journaled attempt of one POS ticket: the sale's `external_reference` (a refund takes
/// its sale's), or the idempotency key of an entry without one.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub ticket: String,
    pub verdict: Verdict,
    /// The paid payment (`paid`; `check_terminal` when the terminal's payment is known).
    pub payment_id: Option<String>,
    /// Every approved payment not refunded (two or more: `paid_twice`).
    pub payment_ids: Vec<String>,
    /// All its entries in the journal, oldest first, acknowledged ones included.
    pub entries: Vec<Recovered>,
}

impl Ticket {
    pub fn of(ticket: String, entries: Vec<Recovered>) -> Ticket {
        let sales: Vec<&Recovered> = entries.iter().filter(|e| e.kind == Kind::Sale).collect();
        let mut paid = Vec::new();
        let mut refunded = 0;
        for sale in &sales {
            let Some(payment) = sale.approved_payment() else {
                continue;
            };
            if sale.refunded_by_service() || entries.iter().any(|e| e.refunds(sale)) {
                refunded += 1;
            } else {
                paid.push(payment);
            }
        }
        let confirmation = sales
            .iter()
            .find(|s| s.state == IntentState::ConfirmationRequired);
        let pending = entries.iter().any(|e| e.resolution == "pending");
        let verdict = if pending {
            Verdict::Pending
        } else if paid.len() >= 2 {
            Verdict::PaidTwice
        } else if confirmation.is_some() {
            Verdict::CheckTerminal
        } else if paid.len() == 1 {
            Verdict::Paid
        } else if refunded > 0 {
            Verdict::Refunded
        } else {
            Verdict::NotPaid
        };
        let payment_id = match verdict {
            Verdict::Paid => paid.first().cloned(),
            Verdict::CheckTerminal => confirmation.and_then(|c| c.payment_id.clone()),
            _ => None,
        };
        Ticket {
            ticket,
            verdict,
            payment_id,
            payment_ids: paid,
            entries,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "ticket": self.ticket,
            "verdict": self.verdict.as_str(),
            "payment_id": self.payment_id,
            "payment_ids": self.payment_ids,
            "entries": self.entries.iter().map(Recovered::to_json).collect::<Vec<_>>(),
        })
    }
}

/// `mp_recover`'s answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Each entry recovery settled or reported, oldest first (0.3's list).
    pub sales: Vec<Recovered>,
    /// The tickets of those entries, in the order of their first entry.
    pub tickets: Vec<Ticket>,
}

impl Report {
    pub fn to_json(&self) -> String {
        json!({
            "sales": self.sales.iter().map(Recovered::to_json_0_3).collect::<Vec<_>>(),
            "tickets": self.tickets.iter().map(Ticket::to_json).collect::<Vec<_>>(),
        })
        .to_string()
    }
}
