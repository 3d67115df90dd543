//! mppoint: take card payments on Mercado Pago Point terminals through Mercado Pago's cloud
//! APIs (the Point Integration API and the Orders API, behind the same calls), from any
//! language that can call C.
//!
//! The core is plain blocking Rust with no C types, usable and tested on its own: `Client`, a
//! façade over the `engine` (the transport, one wire format per API in `wire`, the journal,
//! the one create flow), the wait loop and recovery, the webhook helpers. `ffi` is the C ABI
//! declared in `include/point.h`: thin exports over the core, each behind one panic and error
//! boundary. `docs/ARCHITECTURE.md` says what each layer may import.

mod client;
mod config;
mod engine;
mod error;
mod holds;
mod journal;
mod json_path;
mod log;
mod model;
mod money;
mod recover;
mod sale;
mod secret;
mod transport;
mod wait;
mod webhook;
mod wire;

mod ffi;

pub use client::Client;
pub use config::{Api, Config, ConfigBuilder};
pub use error::{Error, ErrorKind, Result};
pub use journal::{read_entries as read_journal, JournalEntry};
pub use json_path::json_get;
pub use log::{LogLevel, LogSink};
pub use model::{validate_amount, DeviceFilters, IntentState, OperatingMode, Site};
pub use money::{format_amount, parse_amount};
pub use recover::{Recovered, Report, Ticket, Verdict};
pub use sale::{Kind, NewRefund, NewSale, PaymentOptions, Refund, Sale, Snapshot};
pub use transport::Reply;
pub use wait::{Progress, WaitEnd, WaitOutcome};
pub use webhook::{parse_notification, sign_challenge, verify_signature, Notification};

/// This library's version, as in `Cargo.toml` and `mp_version()`.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Entry points for the fuzz targets under `fuzz/` into code that is not public API. Not part
/// of this crate's interface: anything here may change or go at any time.
#[doc(hidden)]
pub mod fuzzing {
    use crate::error::{Error, ErrorKind, Result};
    use crate::{IntentState, Reply};

    /// How an error answer (a non-2xx status and its body) becomes the `Error` a caller sees;
    /// `conflict` is what a 409 means for the call.
    pub fn status_error(status: u16, body: String, conflict: ErrorKind) -> Error {
        crate::transport::status_error(status, body, conflict)
    }

    /// The state a status read takes from a successful answer of the Point Integration API
    /// (the wait loop's path, which reads it without building a JSON tree).
    pub fn answer_state(reply: &Reply) -> Result<IntentState> {
        crate::wire::integration_snapshot(reply.clone(), None, IntentState::Unknown)
            .map(|snapshot| snapshot.state())
    }
}
