//! The virtual terminal's buttons (the control API): green key, card, cancel, and what
//! each device's screen shows. The screen shows the terminal's newest intent, refund or
//! order, whichever API sent it; the buttons act on that one.

use serde_json::{json, Value};

use super::Store;
use crate::errors::ApiError;
use crate::model::event::Status;
use crate::model::intent::IntentState;
use crate::requests::{OrderStatus, Outcome};

/// What a terminal's screen shows.
#[derive(Debug, Clone, Copy)]
enum OnScreen {
    Intent(usize),
    Order(usize),
}

/// A button as the store applies it; the card carries the outcome it gives.
#[derive(Debug, Clone, Copy)]
enum Press {
    GreenKey,
    Card(Outcome),
    Cancel,
}

impl Press {
    /// The 409 for a press the screen's object is not in a state to take.
    fn refusal(self) -> ApiError {
        let (code, message) = match self {
            Press::GreenKey => (
                "no_open_intent",
                "device has no OPEN payment intent or refund, nor a created order",
            ),
            Press::Card(_) => (
                "not_on_terminal",
                "device has no payment intent or refund ON_TERMINAL, nor an order at_terminal: press the green key first",
            ),
            Press::Cancel => (
                "nothing_to_cancel",
                "device has no payment intent or refund OPEN or ON_TERMINAL, nor an order created or at_terminal",
            ),
        };
        ApiError::new(409, code, message)
    }
}

impl Store {
    /// The device's most recently created intent, refund or order (the active one, if
    /// any: a device has at most one and it is the newest). 404 for an unknown device.
    fn on_screen(&self, device_id: &str) -> Result<Option<OnScreen>, ApiError> {
        self.device(device_id)?;
        Ok(self.screen_of(device_id))
    }

    fn screen_of(&self, device_id: &str) -> Option<OnScreen> {
        let intent = self.intents.latest_on(device_id);
        let order = self.orders.latest_on(device_id);
        match (intent, order) {
            (Some(i), Some(o)) if self.orders[o].schedule.seq > self.intents[i].schedule.seq => {
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
        self.press(device_id, Press::GreenKey, now)
    }

    /// A card on the terminal: for an intent, PROCESSING, PROCESSED and the outcome's final
    /// state, all recorded at `now` in that order; for an order, its final status.
    pub(crate) fn present_card(
        &mut self,
        device_id: &str,
        outcome: Outcome,
        now: i64,
    ) -> Result<Value, ApiError> {
        self.press(device_id, Press::Card(outcome), now)
    }

    /// The terminal's cancel button: works while OPEN or ON_TERMINAL (created or
    /// at_terminal for an order), unlike the API's cancel, which the terminal blocks once
    /// it has the intent or order.
    pub(crate) fn terminal_cancel(&mut self, device_id: &str, now: i64) -> Result<Value, ApiError> {
        self.press(device_id, Press::Cancel, now)
    }

    /// Applies a button to what the screen shows and answers with it; 409 when it is in no
    /// state to take the button.
    fn press(&mut self, device_id: &str, press: Press, now: i64) -> Result<Value, ApiError> {
        use IntentState::{OnTerminal, Open};
        use OrderStatus::{AtTerminal, Created};
        let screen = self.on_screen(device_id)?.ok_or_else(|| press.refusal())?;
        let (idx, status) = match screen {
            OnScreen::Intent(idx) => (idx, Status::Intent(self.intents[idx].state)),
            OnScreen::Order(idx) => (idx, Status::Order(self.orders[idx].status)),
        };
        match (press, status) {
            (Press::GreenKey, Status::Intent(Open)) => self.take_intent(idx, now),
            (Press::GreenKey, Status::Order(Created)) => self.take_order(idx, now),
            (Press::Card(outcome), Status::Intent(OnTerminal)) => self.read_card(idx, outcome, now),
            (Press::Card(outcome), Status::Order(AtTerminal)) => {
                self.finish_order(idx, outcome, now)
            }
            (Press::Cancel, Status::Intent(Open | OnTerminal)) => self.cancel_on_terminal(idx, now),
            (Press::Cancel, Status::Order(Created | AtTerminal)) => {
                self.cancel_order_on_terminal(idx, now)
            }
            _ => return Err(press.refusal()),
        }
        Ok(self.screen_json(screen))
    }
}
