//! The simulated account: devices, payment intents with their state machine, the event
//! history, idempotency records and the integrator's webhook settings.
//!
//! Nothing here reads a clock: every operation takes `now` (epoch milliseconds), so the
//! callers decide time and the state machine stays deterministic.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::errors::ApiError;
use crate::validation::{NewIntent, PaymentRequest};

/// First payment id handed out; later ones count up from it.
const FIRST_PAYMENT_ID: u64 = 20_000_000_001;
/// Automatic steps from OPEN to a final state: ON_TERMINAL, PROCESSING, PROCESSED, final.
const STEPS: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OperatingMode {
    Pdv,
    Standalone,
}

impl OperatingMode {
    pub(crate) fn parse(text: &str) -> Option<OperatingMode> {
        match text {
            "PDV" => Some(OperatingMode::Pdv),
            "STANDALONE" => Some(OperatingMode::Standalone),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OperatingMode::Pdv => "PDV",
            OperatingMode::Standalone => "STANDALONE",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: &'static str,
    pub pos_id: i64,
    pub store_id: &'static str,
    pub external_pos_id: &'static str,
    pub mode: OperatingMode,
}

impl Device {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "pos_id": self.pos_id,
            "store_id": self.store_id,
            "external_pos_id": self.external_pos_id,
            "operating_mode": self.mode.as_str(),
        })
    }
}

/// The virtual terminals every simulator starts with.
fn initial_devices() -> Vec<Device> {
    let device = |id, pos_id, store_id, external_pos_id| Device {
        id,
        pos_id,
        store_id,
        external_pos_id,
        mode: OperatingMode::Pdv,
    };
    vec![
        device(
            "PAX_A910__SMARTPOS1495357742",
            47_792_476,
            "47792478",
            "CAJA1",
        ),
        device(
            "GERTEC_MP35P__8701012051267097",
            47_792_477,
            "47792478",
            "CAJA2",
        ),
        device(
            "INGENICO_MOVE2500__ING-ARG-14886780",
            47_792_479,
            "47792480",
            "CAJA3",
        ),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntentState {
    Open,
    OnTerminal,
    Processing,
    Processed,
    Finished,
    Canceled,
    Error,
}

impl IntentState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IntentState::Open => "OPEN",
            IntentState::OnTerminal => "ON_TERMINAL",
            IntentState::Processing => "PROCESSING",
            IntentState::Processed => "PROCESSED",
            IntentState::Finished => "FINISHED",
            IntentState::Canceled => "CANCELED",
            IntentState::Error => "ERROR",
        }
    }

    pub(crate) fn is_final(self) -> bool {
        matches!(
            self,
            IntentState::Finished | IntentState::Canceled | IntentState::Error
        )
    }
}

/// What the virtual terminal does with an intent, chosen by its amount as the real
/// sandbox does:
///
/// | amount | final intent state | `payment.state` |
/// |---|---|---|
/// | 1100 | `FINISHED` | `refunded` (the sandbox's "reversed": approved, then reversed) |
/// | 1200 | `FINISHED` | `rejected` |
/// | 1300 | `ERROR` | — (no payment) |
/// | any other | `FINISHED` | `approved` |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Approved,
    Rejected,
    Reversed,
    Error,
}

impl Outcome {
    pub(crate) fn for_amount(amount: i64) -> Outcome {
        match amount {
            1100 => Outcome::Reversed,
            1200 => Outcome::Rejected,
            1300 => Outcome::Error,
            _ => Outcome::Approved,
        }
    }

    fn final_state(self) -> IntentState {
        match self {
            Outcome::Error => IntentState::Error,
            _ => IntentState::Finished,
        }
    }

    fn payment_state(self) -> Option<&'static str> {
        match self {
            Outcome::Approved => Some("approved"),
            Outcome::Rejected => Some("rejected"),
            Outcome::Reversed => Some("refunded"),
            Outcome::Error => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub id: String,
    pub kind: String,
    pub installments: u64,
    pub installments_cost: String,
    pub voucher_type: Option<String>,
    /// Set at the final step; absent while the intent is PROCESSED.
    pub state: Option<&'static str>,
}

impl Payment {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "type": self.kind,
            "installments": self.installments,
            "installments_cost": self.installments_cost,
        });
        if let Some(voucher) = &self.voucher_type {
            out["voucher_type"] = json!(voucher);
        }
        if let Some(state) = self.state {
            out["state"] = json!(state);
        }
        out
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Intent {
    pub id: String,
    pub device_id: String,
    pub amount: i64,
    pub description: Option<String>,
    pub payment_request: Option<PaymentRequest>,
    pub additional_info: Value,
    pub state: IntentState,
    pub created_ms: i64,
    /// Time of the latest state change.
    pub changed_ms: i64,
    /// Index in the history of the latest state change: orders changes made in the same
    /// millisecond.
    pub changed_seq: usize,
    steps_done: u32,
    pub payment: Option<Payment>,
}

impl Intent {
    /// When automatic step `n` (1-based) is due.
    fn step_due(&self, n: u32, step_ms: i64) -> i64 {
        self.created_ms
            .saturating_add(step_ms.saturating_mul(i64::from(n)))
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "device_id": self.device_id,
            "amount": self.amount,
            "state": self.state.as_str(),
            "additional_info": self.additional_info,
        });
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        // The real payment replaces the echo of the requested one once it exists.
        if let Some(payment) = &self.payment {
            out["payment"] = payment.to_json();
        } else if let Some(request) = &self.payment_request {
            out["payment"] = request.to_json();
        }
        out
    }

    pub(crate) fn last_event_json(&self) -> Value {
        json!({
            "payment_intent_id": self.id,
            "status": self.state.as_str(),
            "created_on": crate::time::format_utc_ms(self.changed_ms),
        })
    }
}

/// What kind of object changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    PaymentIntent,
    #[allow(dead_code)] // refund intents record their changes here too
    Refund,
}

/// One state change: the log webhooks are delivered from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub resource: Resource,
    /// The payment intent's or refund intent's id.
    pub id: String,
    pub state: IntentState,
    pub at_ms: i64,
    /// The object's JSON (as `GET` would return it) right after this change, so a
    /// notification describes the change even if the object has moved on since.
    pub snapshot: Value,
}

#[derive(Debug, Clone)]
struct IdempotencyRecord {
    device_id: String,
    body: Value,
    intent_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Integrator {
    /// The webhook HMAC secret.
    pub token: String,
    /// Empty while none is configured, as the real service reports it.
    pub webhook: String,
    pub is_valid_webhook: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct DeviceFilter {
    pub store_id: Option<String>,
    pub pos_id: Option<i64>,
}

#[derive(Debug)]
pub(crate) struct Store {
    step_ms: i64,
    devices: Vec<Device>,
    intents: Vec<Intent>,
    by_id: HashMap<String, usize>,
    /// Indices of intents not yet in a final state: the only ones that advance, and what
    /// makes a device busy. Keeps per-request work independent of how many intents exist.
    active: Vec<usize>,
    history: Vec<Event>,
    idempotency: HashMap<String, IdempotencyRecord>,
    next_payment_id: u64,
    pub integrator: Integrator,
    /// Tells the ticker thread to end; lives under the same lock as what it watches.
    pub shutdown: bool,
}

impl Store {
    pub(crate) fn new(step_ms: u64, integrator_token: String) -> Store {
        Store {
            step_ms: i64::try_from(step_ms).unwrap_or(i64::MAX),
            devices: initial_devices(),
            intents: Vec::new(),
            by_id: HashMap::new(),
            active: Vec::new(),
            history: Vec::new(),
            idempotency: HashMap::new(),
            next_payment_id: FIRST_PAYMENT_ID,
            integrator: Integrator {
                token: integrator_token,
                webhook: String::new(),
                is_valid_webhook: false,
            },
            shutdown: false,
        }
    }

    /// Applies every automatic step due at or before `now`, each stamped with the time it
    /// was due rather than the time it is noticed, so results don't depend on when
    /// requests arrive. Steps of all intents are applied in time order, which keeps the
    /// history chronological and payment ids increasing with time.
    pub(crate) fn advance(&mut self, now: i64) {
        let mut due: Vec<(i64, usize)> = Vec::new();
        for &idx in &self.active {
            let intent = &self.intents[idx];
            for n in intent.steps_done + 1..=STEPS {
                let at = intent.step_due(n, self.step_ms);
                if at > now {
                    break;
                }
                due.push((at, idx));
            }
        }
        if due.is_empty() {
            return;
        }
        // Index order breaks ties: intents created earlier step first.
        due.sort_unstable();
        for (at, idx) in due {
            self.apply_next_step(idx, at);
        }
        let intents = &self.intents;
        self.active.retain(|&idx| !intents[idx].state.is_final());
    }

    fn apply_next_step(&mut self, idx: usize, at: i64) {
        let intent = &mut self.intents[idx];
        intent.steps_done += 1;
        let outcome = Outcome::for_amount(intent.amount);
        let state = match intent.steps_done {
            1 => IntentState::OnTerminal,
            2 => IntentState::Processing,
            3 => {
                if outcome != Outcome::Error {
                    let request = intent.payment_request.clone().unwrap_or_default();
                    intent.payment = Some(Payment {
                        id: self.next_payment_id.to_string(),
                        kind: request.kind.unwrap_or_else(|| "credit_card".into()),
                        installments: request.installments.unwrap_or(1),
                        installments_cost: request
                            .installments_cost
                            .unwrap_or_else(|| "seller".into()),
                        voucher_type: request.voucher_type,
                        state: None,
                    });
                    self.next_payment_id += 1;
                }
                IntentState::Processed
            }
            _ => {
                if let Some(payment) = &mut intent.payment {
                    payment.state = outcome.payment_state();
                }
                outcome.final_state()
            }
        };
        self.record(idx, state, at);
    }

    fn record(&mut self, idx: usize, state: IntentState, at: i64) {
        let intent = &mut self.intents[idx];
        intent.state = state;
        intent.changed_ms = at;
        intent.changed_seq = self.history.len();
        self.history.push(Event {
            resource: Resource::PaymentIntent,
            id: intent.id.clone(),
            state,
            at_ms: at,
            snapshot: intent.to_json(),
        });
    }

    /// When the next automatic step is due, if any intent is still moving.
    pub(crate) fn next_due(&self) -> Option<i64> {
        self.active
            .iter()
            .map(|&idx| {
                let intent = &self.intents[idx];
                intent.step_due(intent.steps_done + 1, self.step_ms)
            })
            .min()
    }

    /// Every state change so far, oldest first.
    #[allow(dead_code)] // read by tests now, by webhook delivery next
    pub(crate) fn history(&self) -> &[Event] {
        &self.history
    }

    pub(crate) fn list_devices(&self, filter: &DeviceFilter) -> Vec<&Device> {
        self.devices
            .iter()
            .filter(|d| filter.store_id.as_deref().is_none_or(|s| d.store_id == s))
            .filter(|d| filter.pos_id.is_none_or(|p| d.pos_id == p))
            .collect()
    }

    pub(crate) fn device(&self, device_id: &str) -> Result<&Device, ApiError> {
        self.devices
            .iter()
            .find(|d| d.id == device_id)
            .ok_or_else(|| ApiError::not_found("device not found"))
    }

    pub(crate) fn set_mode(
        &mut self,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<(), ApiError> {
        let device = self
            .devices
            .iter_mut()
            .find(|d| d.id == device_id)
            .ok_or_else(|| ApiError::not_found("device not found"))?;
        device.mode = mode;
        Ok(())
    }

    pub(crate) fn intent(&self, intent_id: &str) -> Result<&Intent, ApiError> {
        self.by_id
            .get(intent_id)
            .map(|&idx| &self.intents[idx])
            .ok_or_else(|| ApiError::not_found("payment intent not found"))
    }

    /// Creates an intent, in the order the checks must run: unknown device (404), then
    /// the idempotency key (a replay returns the earlier intent even if the device is
    /// busy with it), then the body, the device's mode and finally whether it is busy.
    /// `body` is the parsed JSON (or why it didn't parse), `request` its validation.
    pub(crate) fn create_intent(
        &mut self,
        device_id: &str,
        idempotency_key: Option<&str>,
        body: Result<Value, ApiError>,
        request: impl FnOnce(&Value) -> Result<NewIntent, ApiError>,
        intent_id: String,
        now: i64,
    ) -> Result<&Intent, ApiError> {
        let device = self.device(device_id)?;
        let body = body?;
        if let Some(record) = idempotency_key.and_then(|key| self.idempotency.get(key)) {
            if record.device_id == device_id && record.body == body {
                return self.intent(&record.intent_id.clone());
            }
            return Err(ApiError::new(
                400,
                "idempotency_key_reused",
                "idempotency key already used with a different request",
            ));
        }
        let request = request(&body)?;
        if device.mode != OperatingMode::Pdv {
            return Err(ApiError::bad_request(format!(
                "device is not in PDV mode (operating_mode is {}); set it to PDV to receive payment intents",
                device.mode.as_str()
            )));
        }
        if self
            .active
            .iter()
            .any(|&idx| self.intents[idx].device_id == device_id)
        {
            return Err(ApiError::conflict("device has a queued payment intent"));
        }

        let idx = self.intents.len();
        self.intents.push(Intent {
            id: intent_id.clone(),
            device_id: device_id.to_string(),
            amount: request.amount,
            description: request.description,
            payment_request: request.payment,
            additional_info: Value::Object(request.additional_info),
            state: IntentState::Open,
            created_ms: now,
            changed_ms: now,
            changed_seq: 0,
            steps_done: 0,
            payment: None,
        });
        self.by_id.insert(intent_id.clone(), idx);
        self.active.push(idx);
        self.record(idx, IntentState::Open, now);
        if let Some(key) = idempotency_key {
            self.idempotency.insert(
                key.to_string(),
                IdempotencyRecord {
                    device_id: device_id.to_string(),
                    body,
                    intent_id,
                },
            );
        }
        Ok(&self.intents[idx])
    }

    /// Cancels an intent that is still OPEN (the terminal hasn't taken it yet).
    pub(crate) fn cancel_intent(
        &mut self,
        device_id: &str,
        intent_id: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let idx = match self.by_id.get(intent_id) {
            Some(&idx) if self.intents[idx].device_id == device_id => idx,
            _ => return Err(ApiError::not_found("payment intent not found")),
        };
        let state = self.intents[idx].state;
        match state {
            IntentState::Open => {
                self.record(idx, IntentState::Canceled, now);
                self.active.retain(|&i| i != idx);
                Ok(())
            }
            s if s.is_final() => Err(ApiError::bad_request(format!(
                "payment intent is already {}",
                s.as_str()
            ))),
            _ => Err(ApiError::conflict("payment intent is blocked by terminal")),
        }
    }

    /// Intents whose latest state change lies in `[from_ms, to_ms]`, in the order of
    /// those changes.
    pub(crate) fn last_changes_between(&self, from_ms: i64, to_ms: i64) -> Vec<&Intent> {
        let mut found: Vec<&Intent> = self
            .intents
            .iter()
            .filter(|i| (from_ms..=to_ms).contains(&i.changed_ms))
            .collect();
        found.sort_by_key(|i| i.changed_seq);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::validate_create;

    const DEV: &str = "PAX_A910__SMARTPOS1495357742";
    const STEP: i64 = 1000;

    fn store() -> Store {
        Store::new(STEP as u64, "token".into())
    }

    fn create(store: &mut Store, id: &str, body: Value, now: i64) -> Result<Value, ApiError> {
        store
            .create_intent(
                DEV,
                None,
                Ok(body),
                |b| validate_create(b, (500, 400_000_000)),
                id.into(),
                now,
            )
            .map(Intent::to_json)
    }

    fn states(store: &Store, id: &str) -> Vec<(&'static str, i64)> {
        store
            .history()
            .iter()
            .filter(|e| e.id == id)
            .map(|e| (e.state.as_str(), e.at_ms))
            .collect()
    }

    #[test]
    fn late_advance_replays_each_step_at_its_time() {
        let mut s = store();
        create(&mut s, "a", json!({"amount": 1500}), 10_000).unwrap();
        assert_eq!(s.next_due(), Some(11_000));
        s.advance(10_999);
        assert_eq!(s.intent("a").unwrap().state, IntentState::Open);
        s.advance(99_999);
        assert_eq!(
            states(&s, "a"),
            [
                ("OPEN", 10_000),
                ("ON_TERMINAL", 11_000),
                ("PROCESSING", 12_000),
                ("PROCESSED", 13_000),
                ("FINISHED", 14_000)
            ]
        );
        let intent = s.intent("a").unwrap().to_json();
        assert_eq!(intent["payment"]["id"], "20000000001");
        assert_eq!(intent["payment"]["state"], "approved");
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn outcomes_by_amount() {
        for (amount, state, payment_state) in [
            (1100, "FINISHED", Some("refunded")),
            (1200, "FINISHED", Some("rejected")),
            (1300, "ERROR", None),
            (1400, "FINISHED", Some("approved")),
        ] {
            let mut s = store();
            create(&mut s, "a", json!({"amount": amount}), 0).unwrap();
            s.advance(3 * STEP);
            let processed = s.intent("a").unwrap().to_json();
            assert_eq!(processed["state"], "PROCESSED");
            assert_eq!(processed["payment"].get("state"), None);
            assert_eq!(processed.get("payment").is_some(), payment_state.is_some());
            s.advance(4 * STEP);
            let done = s.intent("a").unwrap().to_json();
            assert_eq!(done["state"], state, "{amount}");
            assert_eq!(done["payment"]["state"].as_str(), payment_state, "{amount}");
        }
    }

    #[test]
    fn history_is_chronological_across_intents() {
        let mut s = store();
        create(&mut s, "a", json!({"amount": 1500}), 0).unwrap();
        s.set_mode(DEV, OperatingMode::Pdv).unwrap();
        // A second device's intent, created half a step later.
        s.create_intent(
            "GERTEC_MP35P__8701012051267097",
            None,
            Ok(json!({"amount": 1500})),
            |b| validate_create(b, (500, 400_000_000)),
            "b".into(),
            500,
        )
        .unwrap();
        s.advance(10 * STEP);
        let times: Vec<i64> = s.history().iter().map(|e| e.at_ms).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted);
        assert_eq!(times.len(), 10);
        // Payment ids follow the time the payments were made.
        assert_eq!(
            s.intent("a").unwrap().payment.as_ref().unwrap().id,
            "20000000001"
        );
        assert_eq!(
            s.intent("b").unwrap().payment.as_ref().unwrap().id,
            "20000000002"
        );
    }

    #[test]
    fn busy_and_cancel() {
        let mut s = store();
        create(&mut s, "a", json!({"amount": 1500}), 0).unwrap();
        assert_eq!(
            create(&mut s, "b", json!({"amount": 1500}), 1)
                .unwrap_err()
                .status,
            409
        );
        assert_eq!(
            s.cancel_intent("GERTEC_MP35P__8701012051267097", "a", 2)
                .unwrap_err()
                .status,
            404
        );
        s.cancel_intent(DEV, "a", 2).unwrap();
        assert_eq!(s.cancel_intent(DEV, "a", 3).unwrap_err().status, 400);
        s.advance(100 * STEP);
        assert_eq!(s.intent("a").unwrap().state, IntentState::Canceled);
        create(&mut s, "c", json!({"amount": 1500}), 100 * STEP).unwrap();
        s.advance(101 * STEP);
        let err = s.cancel_intent(DEV, "c", 101 * STEP).unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (409, "payment intent is blocked by terminal")
        );
    }
}
