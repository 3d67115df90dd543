//! The virtual terminal's buttons (the control API): green key, card, cancel, and what
//! each device's screen shows.

use serde_json::{json, Value};

use super::{IntentState, Outcome, Store, STEPS};
use crate::errors::ApiError;

impl Store {
    /// The device's most recently created intent or refund (the active one, if any:
    /// a device has at most one and it is the newest). 404 for an unknown device.
    fn on_screen(&self, device_id: &str) -> Result<Option<usize>, ApiError> {
        self.device(device_id)?;
        Ok(self.latest_by_device.get(device_id).copied())
    }

    /// `GET /_sim/state`'s `devices`.
    pub(crate) fn screens(&self) -> Vec<Value> {
        self.devices
            .iter()
            .map(|device| {
                let intent = self
                    .latest_by_device
                    .get(device.id)
                    .map_or(Value::Null, |&idx| self.intents[idx].control_json());
                json!({
                    "id": device.id,
                    "operating_mode": device.mode.as_str(),
                    "intent": intent,
                })
            })
            .collect()
    }

    /// The green key: the terminal takes the OPEN intent or refund (→ ON_TERMINAL).
    pub(crate) fn green_key(&mut self, device_id: &str, now: i64) -> Result<Value, ApiError> {
        let idx = self
            .on_screen(device_id)?
            .filter(|&idx| self.intents[idx].state == IntentState::Open)
            .ok_or_else(|| {
                ApiError::new(
                    409,
                    "no_open_intent",
                    "device has no OPEN payment intent or refund",
                )
            })?;
        self.intents[idx].steps_done = 1;
        self.record(idx, IntentState::OnTerminal, now);
        Ok(self.intents[idx].control_json())
    }

    /// A card on the terminal: PROCESSING, PROCESSED and the outcome's final state, all
    /// recorded at `now` in that order.
    pub(crate) fn present_card(
        &mut self,
        device_id: &str,
        outcome: Outcome,
        now: i64,
    ) -> Result<Value, ApiError> {
        let idx = self
            .on_screen(device_id)?
            .filter(|&idx| self.intents[idx].state == IntentState::OnTerminal)
            .ok_or_else(|| {
                ApiError::new(
                    409,
                    "not_on_terminal",
                    "device has no payment intent or refund ON_TERMINAL: press the green key first",
                )
            })?;
        self.intents[idx].steps_done = STEPS;
        self.record(idx, IntentState::Processing, now);
        self.make_payment(idx, outcome, now);
        self.record(idx, IntentState::Processed, now);
        self.settle(idx, outcome, now);
        Ok(self.intents[idx].control_json())
    }

    /// The terminal's cancel button: works while OPEN or ON_TERMINAL (unlike the API's
    /// cancel, which the terminal blocks once it has the intent).
    pub(crate) fn terminal_cancel(&mut self, device_id: &str, now: i64) -> Result<Value, ApiError> {
        let idx = self
            .on_screen(device_id)?
            .filter(|&idx| {
                matches!(
                    self.intents[idx].state,
                    IntentState::Open | IntentState::OnTerminal
                )
            })
            .ok_or_else(|| {
                ApiError::new(
                    409,
                    "nothing_to_cancel",
                    "device has no payment intent or refund OPEN or ON_TERMINAL",
                )
            })?;
        self.intents[idx].steps_done = STEPS;
        self.record(idx, IntentState::Canceled, now);
        Ok(self.intents[idx].control_json())
    }
}
