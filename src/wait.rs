//! The blocking "wait until the customer has paid" loop, the same for sales and refunds and
//! for both APIs: reads at the poll interval until a final state, the caller's timeout, the
//! caller's "stop", or a failure that cannot heal.

use std::time::{Duration, Instant};

use crate::config::Api;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::log::LogLevel;
use crate::model::{validate_id, IntentState};
use crate::sale::Kind;

/// Why a wait ended without an error of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    /// The sale or refund reached a final state.
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
    /// The last read's normalised JSON (as `Snapshot::json`).
    pub json: Option<String>,
    /// HTTP status of the last answer the wait received.
    pub http_status: Option<u16>,
    kind: Kind,
    id: String,
    timeout: Duration,
}

impl WaitOutcome {
    /// `None` when the wait ended on a final state; otherwise the `WaitTimeout` or `Aborted`
    /// error that says so (with the last state seen and the last answer's HTTP status). The
    /// sale or refund still exists then: cancel it or keep checking it.
    pub fn not_final(&self) -> Option<Error> {
        let noun = self.kind.noun();
        let (kind, message) = match self.end {
            WaitEnd::Final => return None,
            WaitEnd::TimedOut => (
                ErrorKind::WaitTimeout,
                format!(
                    "{noun} {} was still {} after {} ms",
                    self.id,
                    self.state.as_str(),
                    self.timeout.as_millis()
                ),
            ),
            WaitEnd::Aborted => (
                ErrorKind::Aborted,
                format!(
                    "waiting for {noun} {} was stopped by the callback (state {})",
                    self.id,
                    self.state.as_str()
                ),
            ),
        };
        let error = Error::new(kind, message);
        Some(match self.http_status {
            Some(status) => error.with_http_status(status),
            None => error,
        })
    }
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

/// Reads `id` every `poll_interval` until it is final, the `timeout` passes
/// (`Duration::ZERO`: exactly one read) or `progress` returns `Stop`.
///
/// `progress` runs after every poll, the last one included, with the last state and JSON seen
/// (`""` before the first successful read); its `Stop` is ignored once the state is final. A
/// read that fails transiently ([`Error::is_transient`]: network, timeout, 429, 5xx but
/// 501/505, a garbled answer) is logged and polling goes on until the timeout; a failure that
/// cannot heal (401/403, 404, another 4xx, TLS, ...) ends the wait with it.
pub(crate) fn wait(
    engine: &Engine,
    api: Api,
    kind: Kind,
    id: &str,
    timeout: Duration,
    progress: &mut dyn FnMut(IntentState, &str) -> Progress,
) -> Result<WaitOutcome> {
    validate_id(kind.id_noun(), id)?;
    let call_timeout = engine.config().timeout;
    let poll_interval = engine.config().poll_interval;
    let deadline = Instant::now() + timeout;
    let mut seen = WaitOutcome {
        end: WaitEnd::TimedOut,
        state: IntentState::Unknown,
        json: None,
        http_status: None,
        kind,
        id: id.to_owned(),
        timeout,
    };
    loop {
        let poll_started = Instant::now();
        let remaining = deadline.saturating_duration_since(poll_started);
        let budget = if timeout.is_zero() {
            call_timeout
        } else {
            remaining.max(MIN_READ_BUDGET).min(call_timeout)
        };
        match engine.read(api, kind, id, Some(budget)) {
            Ok(snapshot) => {
                if snapshot.state != seen.state {
                    engine.log(LogLevel::Info, || {
                        format!("{} {id} is {}", kind.noun(), snapshot.state.as_str())
                    });
                }
                seen.state = snapshot.state;
                seen.http_status = Some(snapshot.http_status);
                seen.json = Some(snapshot.json);
            }
            Err(e) if e.is_transient() => {
                seen.http_status = e.http_status().or(seen.http_status);
                engine.log(LogLevel::Warn, || {
                    format!("status read of {id} failed, still waiting: {}", e.message())
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
        let next_poll = poll_started + poll_interval;
        let pause = next_poll.min(deadline).saturating_duration_since(now);
        std::thread::sleep(pause);
        if Instant::now() >= deadline && !pause.is_zero() && next_poll > deadline {
            // The timeout fell inside the pause: one last read would overrun it.
            seen.end = WaitEnd::TimedOut;
            return Ok(seen);
        }
    }
}
