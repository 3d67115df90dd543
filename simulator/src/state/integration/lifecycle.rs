//! How a payment intent or refund intent moves on the terminal: the automatic steps
//! (`OPEN → ON_TERMINAL → PROCESSING → PROCESSED → final`, the amount picking the outcome),
//! the terminal's buttons, the payment a sale makes and the abandonment.

use crate::model::intent::IntentState;
use crate::model::payment::{Payment, PaymentRefund};
use crate::requests::Outcome;
use crate::state::Store;

impl Store {
    /// The outcome automatic mode gives: by amount for a payment intent (the sandbox's
    /// table), always a completed refund for a refund intent.
    fn automatic_outcome(&self, idx: usize) -> Outcome {
        let intent = &self.intents[idx];
        if intent.refund_of.is_some() {
            Outcome::Approved
        } else {
            Outcome::for_amount(intent.amount)
        }
    }

    /// An automatic step.
    pub(in crate::state) fn apply_next_step(&mut self, idx: usize, at: i64) {
        let outcome = self.automatic_outcome(idx);
        let schedule = &mut self.intents[idx].schedule;
        schedule.steps_done += 1;
        let step = schedule.steps_done;
        match step {
            1 => self.record(idx, IntentState::OnTerminal, at),
            // The terminal holds an intent it will abandon without processing it.
            2 | 3 if outcome == Outcome::Abandoned => {}
            2 => self.record(idx, IntentState::Processing, at),
            3 => {
                self.make_payment(idx, outcome, at);
                self.record(idx, IntentState::Processed, at);
            }
            _ => self.settle(idx, outcome, at),
        }
    }

    /// The green key: the terminal takes the OPEN intent or refund.
    pub(in crate::state) fn take_intent(&mut self, idx: usize, at: i64) {
        self.intents[idx].schedule.steps_done = 1;
        self.record(idx, IntentState::OnTerminal, at);
    }

    /// A card on the terminal: PROCESSING, PROCESSED and the outcome's final state, all
    /// recorded at `at` in that order.
    pub(in crate::state) fn read_card(&mut self, idx: usize, outcome: Outcome, at: i64) {
        self.intents[idx].schedule.finish();
        self.record(idx, IntentState::Processing, at);
        self.make_payment(idx, outcome, at);
        self.record(idx, IntentState::Processed, at);
        self.settle(idx, outcome, at);
    }

    /// The terminal's cancel button, which works while OPEN or ON_TERMINAL.
    pub(in crate::state) fn cancel_on_terminal(&mut self, idx: usize, at: i64) {
        self.intents[idx].schedule.finish();
        self.record(idx, IntentState::Canceled, at);
    }

    /// The payment a sale makes when it reaches PROCESSED (none for errors, abandonments
    /// and refunds).
    fn make_payment(&mut self, idx: usize, outcome: Outcome, at: i64) {
        let intent = &self.intents[idx];
        if !outcome.makes_payment() || intent.refund_of.is_some() || intent.payment.is_some() {
            return;
        }
        let request = intent.payment_request.clone().unwrap_or_default();
        let id = self.new_payment_id().to_string();
        self.intents[idx].payment = Some(Payment {
            id: id.clone(),
            kind: request.kind.unwrap_or_else(|| "credit_card".into()),
            installments: request.installments.unwrap_or(1),
            installments_cost: request.installments_cost.unwrap_or_else(|| "seller".into()),
            voucher_type: request.voucher_type,
            state: None,
            created_ms: at,
            settled_ms: None,
            refund: None,
        });
        self.payments.insert(id, idx);
    }

    fn new_refund(&mut self, refund_intent_id: Option<String>, at_ms: i64) -> PaymentRefund {
        PaymentRefund {
            id: self.new_refund_id(),
            refund_intent_id,
            at_ms,
        }
    }

    /// Ends a sale or refund with `outcome` at `at`.
    fn settle(&mut self, idx: usize, outcome: Outcome, at: i64) {
        if outcome == Outcome::Abandoned {
            return self.abandon(idx, at);
        }
        match self.intents[idx].refund_of.clone() {
            None => {
                let reversal = (outcome == Outcome::Reversed).then(|| self.new_refund(None, at));
                if let Some(payment) = &mut self.intents[idx].payment {
                    payment.state = outcome.payment_state();
                    payment.settled_ms = Some(at);
                    payment.refund = reversal;
                }
            }
            // Only an approved refund gives the money back; other outcomes leave the
            // payment as it was.
            Some(payment_id) if outcome == Outcome::Approved => {
                let refund = self.new_refund(Some(self.intents[idx].id.clone()), at);
                if let Some(&paid) = self.payments.get(&payment_id) {
                    if let Some(payment) = &mut self.intents[paid].payment {
                        payment.refund = Some(refund);
                    }
                }
            }
            Some(_) => {}
        }
        self.record(idx, IntentState::after(outcome), at);
    }

    /// Not processed in time: final, without a payment even if one was being made.
    pub(in crate::state) fn abandon(&mut self, idx: usize, at: i64) {
        if let Some(payment) = self.intents[idx].payment.take() {
            self.payments.remove(&payment.id);
        }
        self.record(idx, IntentState::Abandoned, at);
    }
}
