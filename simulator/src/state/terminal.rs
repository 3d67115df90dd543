//! The virtual terminal's buttons (the control API): green key, card, cancel, and what
//! each device's screen shows. The screen shows the terminal's newest intent, refund or
//! order, whichever API sent it; the buttons act on that one.

use serde_json::{json, Value};

use super::{IntentState, Outcome, Store, STEPS};
use crate::errors::ApiError;
use crate::requests::OrderStatus;

/// What a terminal's screen shows.
#[derive(Debug, Clone, Copy)]
enum OnScreen {
    Intent(usize),
    Order(usize),
}

impl Store {
    /// The device's most recently created intent, refund or order (the active one, if
    /// any: a device has at most one and it is the newest). 404 for an unknown device.
    fn on_screen(&self, device_id: &str) -> Result<Option<OnScreen>, ApiError> {
        self.device(device_id)?;
        Ok(self.screen_of(device_id))
    }

    fn screen_of(&self, device_id: &str) -> Option<OnScreen> {
        let intent = self.latest_by_device.get(device_id).copied();
        let order = self.latest_order_by_device.get(device_id).copied();
        match (intent, order) {
            (Some(i), Some(o)) if self.orders[o].seq > self.intents[i].seq => {
                Some(OnScreen::Order(o))
            }
            (Some(i), _) => Some(OnScreen::Intent(i)),
            (None, Some(o)) => Some(OnScreen::Order(o)),
            (None, None) => None,
        }
    }

    fn screen_json(&self, screen: OnScreen) -> Value {
        match screen {
            OnScreen::Intent(idx) => self.intents[idx].control_json(),
            OnScreen::Order(idx) => self.orders[idx].control_json(),
        }
    }

    /// `GET /_sim/state`'s `devices`.
    pub(crate) fn screens(&self) -> Vec<Value> {
        self.devices
            .iter()
            .map(|device| {
                let shown = self
                    .screen_of(device.id)
                    .map_or(Value::Null, |screen| self.screen_json(screen));
                json!({
                    "id": device.id,
                    "operating_mode": device.mode.as_str(),
                    "intent": shown,
                })
            })
            .collect()
    }

    /// The green key: the terminal takes the OPEN intent or refund (→ ON_TERMINAL), or the
    /// created order (→ at_terminal).
    pub(crate) fn green_key(&mut self, device_id: &str, now: i64) -> Result<Value, ApiError> {
        let screen = match self.on_screen(device_id)? {
            Some(OnScreen::Intent(idx)) if self.intents[idx].state == IntentState::Open => {
                self.intents[idx].steps_done = 1;
                self.record(idx, IntentState::OnTerminal, now);
                OnScreen::Intent(idx)
            }
            Some(OnScreen::Order(idx)) if self.orders[idx].status == OrderStatus::Created => {
                self.take_order(idx, now);
                OnScreen::Order(idx)
            }
            _ => {
                return Err(ApiError::new(
                    409,
                    "no_open_intent",
                    "device has no OPEN payment intent or refund, nor a created order",
                ))
            }
        };
        Ok(self.screen_json(screen))
    }

    /// A card on the terminal: for an intent, PROCESSING, PROCESSED and the outcome's final
    /// state, all recorded at `now` in that order; for an order, its final status.
    pub(crate) fn present_card(
        &mut self,
        device_id: &str,
        outcome: Outcome,
        now: i64,
    ) -> Result<Value, ApiError> {
        let screen = match self.on_screen(device_id)? {
            Some(OnScreen::Intent(idx)) if self.intents[idx].state == IntentState::OnTerminal => {
                self.intents[idx].steps_done = STEPS;
                self.record(idx, IntentState::Processing, now);
                self.make_payment(idx, outcome, now);
                self.record(idx, IntentState::Processed, now);
                self.settle(idx, outcome, now);
                OnScreen::Intent(idx)
            }
            Some(OnScreen::Order(idx)) if self.orders[idx].status == OrderStatus::AtTerminal => {
                self.finish_order(idx, outcome, now);
                OnScreen::Order(idx)
            }
            _ => {
                return Err(ApiError::new(
                    409,
                    "not_on_terminal",
                    "device has no payment intent or refund ON_TERMINAL, nor an order at_terminal: press the green key first",
                ))
            }
        };
        Ok(self.screen_json(screen))
    }

    /// The terminal's cancel button: works while OPEN or ON_TERMINAL (created or
    /// at_terminal for an order), unlike the API's cancel, which the terminal blocks once
    /// it has the intent or order.
    pub(crate) fn terminal_cancel(&mut self, device_id: &str, now: i64) -> Result<Value, ApiError> {
        let screen = match self.on_screen(device_id)? {
            Some(OnScreen::Intent(idx))
                if matches!(
                    self.intents[idx].state,
                    IntentState::Open | IntentState::OnTerminal
                ) =>
            {
                self.intents[idx].steps_done = STEPS;
                self.record(idx, IntentState::Canceled, now);
                OnScreen::Intent(idx)
            }
            Some(OnScreen::Order(idx)) if !self.orders[idx].status.is_final() => {
                self.cancel_order_on_terminal(idx, now);
                OnScreen::Order(idx)
            }
            _ => {
                return Err(ApiError::new(
                    409,
                    "nothing_to_cancel",
                    "device has no payment intent or refund OPEN or ON_TERMINAL, nor an order created or at_terminal",
                ))
            }
        };
        Ok(self.screen_json(screen))
    }
}
