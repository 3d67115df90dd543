//! The C-visible enums and the opaque client handle. Numbers are part of the ABI: they are
//! fixed forever, new values are only ever appended.
//!
//! Each enum's declaration is its only list of values. build.rs generates the rest from it
//! (`$OUT_DIR/ffi_enums.rs`, included at the end): `ALL`, `c_name()` (`"MP_STATUS_OK\0"`),
//! `short_name()` (`"OK\0"`), and the conversion from the core enum each mirrors variant for
//! variant (`ErrorKind`, `IntentState`, `LogLevel`; see `CORE_ENUMS` in `abi/src/rust.rs`), so
//! a status added here without its `ErrorKind` (or the reverse) does not compile. A new value
//! needs only its line here, with its doc comment (it becomes the API reference), and
//! `make generate`.

use crate::model::IntentState;
use crate::Client;

/// Result of every call that can fail. `MP_STATUS_OK` is 0; any other value means the call
/// had no effect on out-parameters and `mp_last_error()` says why.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MpStatus {
    /// Success.
    Ok = 0,
    /// A NULL required pointer, text that is not UTF-8, bad JSON, an unknown option, an
    /// amount out of range, an id that cannot be part of a URL.
    InvalidArgument = 1,
    /// The service could not be reached (DNS, refused, reset, proxy), after retries.
    Network = 2,
    /// Out of time: the call's `timeout_ms` (retries included) or a step's own limit
    /// (`connect_timeout_ms`) ran out before an answer. On a create it always means the request
    /// never reached the service, so nothing was created (a create that may have reached it is
    /// `MP_STATUS_OUTCOME_UNKNOWN` instead); on any other call, no answer came in time, and a
    /// read may be repeated. A wait that outlasts its own `timeout_ms` is
    /// `MP_STATUS_WAIT_TIMEOUT`, not this.
    Timeout = 3,
    /// TLS or certificate failure (never retried). Old Windows machines: check the clock.
    Tls = 4,
    /// HTTP 401/403: wrong or expired access token, or a device of another account.
    Unauthorized = 5,
    /// HTTP 404: no such device, intent or resource.
    NotFound = 6,
    /// HTTP 409 on create (the Orders API's `already_queued_order_for_terminal`): the terminal
    /// holds another unfinished sale or refund, and nothing was created. With a journal the
    /// message names what holds it when the journal knows it; `mp_device_holds` lists it and
    /// `mp_device_clear` cancels what the customer has not taken. Wait for it or clear it, then
    /// create again (a new key is fine: the refused one made nothing). Never retry blindly in
    /// a loop: something is on that terminal.
    DeviceBusy = 7,
    /// HTTP 409 on cancel: the intent is already on the terminal. Cancel it on the device.
    IntentLocked = 8,
    /// HTTP 429, after retries.
    RateLimited = 9,
    /// Any other HTTP 4xx.
    Api = 10,
    /// HTTP 5xx, after retries.
    Server = 11,
    /// The service answered success with a body that is not what it documents: not a JSON
    /// object, a created object without its `id`, a read (`mp_intent_status`,
    /// `mp_refund_status`) without a state (the intent's or refund's `state` string, the
    /// order's `status` or its last refund's). `mp_last_error()` says which, with an excerpt
    /// of the body. An answer garbled so may be whole on the next read: `mp_wait_intent` and
    /// `mp_wait_refund` read again.
    BadResponse = 12,
    /// `mp_wait_intent` timed out before a final state (out-parameters hold the last state).
    WaitTimeout = 13,
    /// The wait callback asked to stop (out-parameters hold the last state).
    Aborted = 14,
    /// A bug in mppoint (for example a caught panic). Please report it.
    Internal = 15,
    /// A create (`mp_create_intent`, `mp_create_intent_simple`, `mp_create_refund`) whose
    /// request may have reached the service but whose answer was lost or unreadable (network,
    /// timeout, 5xx, a garbled success, after retries): the intent or refund may exist, and
    /// may be payable on the terminal. Never start the sale anew with a new key: send the same
    /// request again with the key from `mp_last_idempotency_key()`; it returns the object if
    /// it exists and creates it once if it does not.
    OutcomeUnknown = 16,
    /// The API the client speaks (`"api"` of `mp_init_with_options`) has no such call:
    /// `mp_list_intent_events`, `mp_get_integrator`, `mp_set_webhook`, `mp_check_webhook` and
    /// `mp_cancel_refund` with the Orders API; a partial refund with the Point Integration
    /// API. Nothing was sent.
    Unsupported = 17,
    /// The journal (`journal_path` of `mp_init_with_options`) could not be opened, read or
    /// written (a full or missing disk, permissions, a file that is not a journal). A create
    /// whose step could not be recorded was not sent.
    Journal = 18,
}

/// State of a payment intent. Final states (the intent never changes again) are 5 to 9; see
/// `mp_intent_state_is_final`. The service's state strings are matched exactly (the Point
/// Integration API's `state` names them as below; the Orders API's `status` is mapped as
/// `mp_intent_status` says); the British spelling is read as CANCELED (`CANCELLED`, and an
/// order's `cancelled`), as some of Mercado Pago's own SDK mocks write it; any other string
/// this version does not know is `MP_INTENT_STATE_UNKNOWN`, which is not final, and the JSON
/// of a read keeps the service's string under `raw`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MpIntentState {
    /// Not read yet, or a state this version does not know.
    Unknown = 0,
    /// Created, waiting for the cashier to press the green key on the terminal.
    Open = 1,
    /// The terminal has taken the intent; it can now only be cancelled on the terminal.
    OnTerminal = 2,
    /// The card is being processed.
    Processing = 3,
    /// Processed; the final state follows.
    Processed = 4,
    /// Final: a payment was made. Its outcome is `payment.state` ("approved", "rejected", ...).
    Finished = 5,
    /// Final: cancelled by the POS or on the terminal.
    Canceled = 6,
    /// Final: the transaction failed.
    Error = 7,
    /// Final: nobody processed the intent in time.
    Abandoned = 8,
    /// Final, without a payment state: look at the terminal before handing over the goods.
    ConfirmationRequired = 9,
}

impl MpIntentState {
    /// The core state for a number received from C; out-of-range numbers are `None`.
    pub(crate) fn from_number(n: u32) -> Option<IntentState> {
        IntentState::ALL.get(n as usize).copied()
    }
}

/// Severity of a log line passed to `MpLogCallback`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MpLogLevel {
    /// A request failed for good, after its retries.
    Error = 1,
    /// A failure the library rides out: a retry, or a failed status read during a wait.
    Warn = 2,
    /// One line per answered request (method, path, HTTP status, duration, retries) and each
    /// state change a wait sees.
    Info = 3,
    /// Each attempt, before it is sent.
    Debug = 4,
}

/// An opaque client: one access token, its configuration and a pool of kept-alive
/// connections. Create it with `mp_init` or `mp_init_with_options`, free it with `mp_free`.
/// Thread-safe: any number of threads may use one client at once.
pub struct MpClient {
    pub(crate) inner: Client,
}

// ALL, c_name(), short_name() and the conversions from the core enums (generated by build.rs).
include!(concat!(env!("OUT_DIR"), "/ffi_enums.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_numbers_and_names_match_the_core() {
        for (n, state) in IntentState::ALL.iter().enumerate() {
            let c = MpIntentState::from(*state);
            assert_eq!(c as usize, n);
            assert_eq!(MpIntentState::from_number(n as u32), Some(*state));
            assert_eq!(c.short_name().trim_end_matches('\0'), state.as_str());
        }
        assert_eq!(MpIntentState::from_number(10), None);
    }

    #[test]
    fn status_numbers_are_their_position() {
        for (n, status) in MpStatus::ALL.iter().enumerate() {
            assert_eq!(*status as usize, n);
            assert!(status.c_name().starts_with("MP_STATUS_") && status.c_name().ends_with('\0'));
        }
    }
}
