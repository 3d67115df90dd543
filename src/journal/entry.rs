//! One row of the journal as the library reads it, and whether its process still runs.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Row;
use serde_json::Value;

use super::owner;
use crate::config::Api;
use crate::model::IntentState;
use crate::sale::Kind;

/// The columns `entry_of` reads, in its order.
pub(super) const COLUMNS: &str = "idempotency_key, kind, api, device_id, amount, \
    external_reference, object_id, state, payment, resolution, created_at, updated_at, final_at, \
    request, owner, payment_id, acknowledged_at, COALESCE(ticket, external_reference, idempotency_key)";

/// `COLUMNS` of a journal only 0.3 has opened (without 0.4's additions), read read-only.
pub(super) const COLUMNS_0_3: &str = "idempotency_key, kind, api, device_id, amount, \
    external_reference, object_id, state, payment, resolution, created_at, updated_at, final_at, \
    request, owner, NULL, NULL, COALESCE(external_reference, idempotency_key)";

/// One sale or refund as the journal knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub idempotency_key: String,
    pub kind: Kind,
    pub api: Api,
    pub device_id: String,
    /// Minor units: a sale's; a refund's (a whole refund: its sale's, when the journal has the
    /// sale or the answer says). `None` when unknown.
    pub amount: Option<i64>,
    /// The POS's reference; a refund carries its sale's.
    pub external_reference: Option<String>,
    /// The ticket the entry belongs to: a refund's sale's, else the reference, else the key.
    pub ticket: String,
    /// The intent, order or refund id, once the service answered the create.
    pub object_id: Option<String>,
    /// A sale's payment number, once it has one; a refund's refunded payment (the number, or
    /// the sale's order id with the Orders API).
    pub payment_id: Option<String>,
    /// The last state read (`Unknown` before any).
    pub state: IntentState,
    /// The sale's normalised `payment` object once final (`None` if it has none).
    pub payment: Option<Value>,
    /// How it ended without a final state of its own, or how `mp_recover` resolved it
    /// (`finished`, `canceled`, `never_created`, `refused`, `pending`).
    pub resolution: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// When a final state was recorded; `None` while unfinished.
    pub final_at_ms: Option<i64>,
    /// When the POS said it recorded the outcome (`mp_acknowledge`).
    pub acknowledged_at_ms: Option<i64>,
    /// Whether the process that followed it still runs (it is not recovered then).
    pub owner_alive: bool,
    pub(crate) request: String,
    pub(crate) owner: String,
}

pub(super) fn entry_of(row: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let kind: String = row.get(1)?;
    let api: String = row.get(2)?;
    let state: String = row.get(7)?;
    let payment: Option<String> = row.get(8)?;
    let payment_value: Option<Value> = payment.and_then(|p| serde_json::from_str(&p).ok());
    let request: String = row.get(13)?;
    Ok(JournalEntry {
        idempotency_key: row.get(0)?,
        // A value this version does not know reads as the defaults: a sale, the Point
        // Integration API.
        kind: Kind::parse(&kind).unwrap_or(Kind::Sale),
        api: Api::parse(&api).unwrap_or(Api::Integration),
        device_id: row.get(3)?,
        amount: row.get(4)?,
        external_reference: row.get(5)?,
        object_id: row.get(6)?,
        state: IntentState::from_api(&state),
        payment: payment_value.clone(),
        resolution: row.get(9)?,
        created_at_ms: row.get(10)?,
        updated_at_ms: row.get(11)?,
        final_at_ms: row.get(12)?,
        request: request.clone(),
        owner: row.get(14)?,
        payment_id: match row.get::<_, Option<String>>(15)? {
            Some(id) => Some(id),
            None => payment_id_of_03(kind.as_str(), &payment_value, &request),
        },
        acknowledged_at_ms: row.get(16)?,
        ticket: row.get(17)?,
        owner_alive: false,
    })
}

/// The payment number of a row 0.3 wrote (no `payment_id` column then): a sale's from its
/// payment, a refund's from its request.
fn payment_id_of_03(kind: &str, payment: &Option<Value>, request: &str) -> Option<String> {
    let id = match kind {
        "sale" => payment.as_ref()?.get("id")?.clone(),
        _ => serde_json::from_str::<Value>(request)
            .ok()?
            .get("payment_id")?
            .clone(),
    };
    match id {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether the owners of entries still run, each asked of its lock file once per pass.
pub(super) struct Owners<'a> {
    folder: &'a Path,
    alive: HashMap<String, bool>,
}

impl<'a> Owners<'a> {
    pub(super) fn new(folder: &'a Path) -> Owners<'a> {
        Owners {
            folder,
            alive: HashMap::new(),
        }
    }

    /// The entry with `owner_alive` filled in.
    pub(super) fn fill(&mut self, mut entry: JournalEntry) -> JournalEntry {
        let folder = self.folder;
        entry.owner_alive = *self
            .alive
            .entry(entry.owner.clone())
            .or_insert_with_key(|token| owner::is_alive(folder, token));
        entry
    }
}

impl JournalEntry {
    /// One line naming it for a person: what, which ticket, how much, where it stands.
    pub fn describe(&self) -> String {
        let id = self.object_id.as_deref().unwrap_or("no id yet");
        let amount = self
            .amount
            .map_or_else(String::new, |a| format!(", amount {a} in minor units"));
        format!(
            "{noun} {ticket} ({id}, key {key}{amount}, {state}, {process})",
            noun = self.kind.as_str(),
            ticket = self.ticket,
            key = self.idempotency_key,
            state = self.state.as_str(),
            process = if self.owner_alive {
                "followed by a running process"
            } else {
                "its process has ended"
            }
        )
    }
}
