//! The blocking "wait until the customer has paid" loop: status reads at the poll interval
//! until a final state, the caller's timeout, or the caller's "stop".

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::log::LogLevel;
use crate::model::IntentState;
use crate::Client;

/// Why a wait ended without an error of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    /// The intent reached a final state.
    Final,
    /// The timeout passed first.
    TimedOut,
    /// The progress callback asked to stop.
    Aborted,
}

/// What a wait saw last. `json` is `None` only if no read ever succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOutcome {
    pub end: WaitEnd,
    pub state: IntentState,
    pub json: Option<String>,
    /// HTTP status of the last answer the wait received.
    pub http_status: Option<u16>,
}

/// What the progress callback answers after each poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Continue,
    Stop,
}

/// Shortest budget one status read gets, so a read near the end of the wait can still
/// complete; it is also how far past its timeout a wait may run.
const MIN_READ_BUDGET: Duration = Duration::from_secs(1);

/// What a wait follows: both go through the same states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    PaymentIntent,
    Refund,
}

impl Waited {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Waited::PaymentIntent => "payment intent",
            Waited::Refund => "refund",
        }
    }
}

impl Client {
    /// Polls `GET /payment-intents/{id}` every `poll_interval` until the intent is final, the
    /// `timeout` passes (`Duration::ZERO`: exactly one read) or `progress` returns `Stop`.
    ///
    /// `progress` runs after every poll, the last one included, with the last state and JSON
    /// seen (`""` before the first successful read); its `Stop` is ignored once the state is
    /// final. A read that fails transiently ([`crate::Error::is_transient`]: network, timeout, 429,
    /// 5xx but 501/505, a garbled answer) is logged and polling goes on until the timeout; a
    /// failure that cannot heal (401/403, 404, another 4xx, TLS, ...) ends the wait with it.
    pub fn wait_intent(
        &self,
        intent_id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        self.wait_for(Waited::PaymentIntent, intent_id, timeout, progress)
    }

    /// As [`Client::wait_intent`], for a refund intent (`GET /refund/{id}`).
    pub fn wait_refund(
        &self,
        refund_id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        self.wait_for(Waited::Refund, refund_id, timeout, progress)
    }

    pub(crate) fn wait_for(
        &self,
        what: Waited,
        intent_id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        crate::model::validate_id(&format!("{} id", what.noun()), intent_id)?;
        let deadline = Instant::now() + timeout;
        let mut seen = WaitOutcome {
            end: WaitEnd::TimedOut,
            state: IntentState::Unknown,
            json: None,
            http_status: None,
        };
        loop {
            let poll_started = Instant::now();
            let remaining = deadline.saturating_duration_since(poll_started);
            let budget = if timeout.is_zero() {
                self.config.timeout
            } else {
                remaining.max(MIN_READ_BUDGET).min(self.config.timeout)
            };
            let read = match what {
                Waited::PaymentIntent => self.read_intent(intent_id, Some(budget)),
                Waited::Refund => self.read_refund(intent_id, Some(budget)),
            };
            match read {
                Ok((state, reply)) => {
                    if state != seen.state {
                        self.log(LogLevel::Info, || {
                            format!("{} {intent_id} is {}", what.noun(), state.as_str())
                        });
                    }
                    seen.state = state;
                    seen.json = Some(reply.body);
                    seen.http_status = Some(reply.status);
                }
                Err(e) if e.is_transient() => {
                    seen.http_status = e.http_status().or(seen.http_status);
                    self.log(LogLevel::Warn, || {
                        format!(
                            "status read of {intent_id} failed, still waiting: {}",
                            e.message()
                        )
                    });
                }
                Err(e) => return Err(e),
            }
            let answer = progress(seen.state, seen.json.as_deref().unwrap_or(""));
            if seen.state.is_final() {
                // A final state wins over a late "stop": the sale is settled either way.
                seen.end = WaitEnd::Final;
                return Ok(seen);
            }
            if answer == Progress::Stop {
                seen.end = WaitEnd::Aborted;
                return Ok(seen);
            }
            let now = Instant::now();
            if now >= deadline {
                seen.end = WaitEnd::TimedOut;
                return Ok(seen);
            }
            let next_poll = poll_started + self.config.poll_interval;
            let pause = next_poll.min(deadline).saturating_duration_since(now);
            std::thread::sleep(pause);
            if Instant::now() >= deadline && !pause.is_zero() && next_poll > deadline {
                // The timeout fell inside the pause: one last read would overrun it.
                seen.end = WaitEnd::TimedOut;
                return Ok(seen);
            }
        }
    }
}
