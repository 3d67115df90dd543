//! What a command leaves behind: text for a person, or one JSON document for a script, and
//! the exit code (the table of `mppoint --help`).

use std::io::Write;
use std::process::ExitCode;

use mppoint::{Error, ErrorKind};
use serde_json::{json, Map, Value};

/// The exit codes of `mppoint --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    NotApproved = 1,
    Usage = 2,
    Failure = 3,
    NotSettled = 4,
}

impl Exit {
    /// The code of a failed call: a caller's mistake is usage; a create or a wait that left
    /// something possibly payable is "not settled"; everything else a failure.
    pub fn of(kind: ErrorKind) -> Exit {
        match kind {
            ErrorKind::InvalidArgument | ErrorKind::Unsupported => Exit::Usage,
            ErrorKind::OutcomeUnknown | ErrorKind::WaitTimeout | ErrorKind::Aborted => {
                Exit::NotSettled
            }
            _ => Exit::Failure,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A command's failure: the library's error, with what the tool adds (the sale it was about,
/// advice for the technician).
#[derive(Debug)]
pub struct Failure {
    pub status: String,
    pub message: String,
    pub exit: Exit,
    /// More fields of the JSON error (`http_status`, `idempotency_key`, `intent_id`, `state`).
    pub details: Map<String, Value>,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            status: "USAGE".to_owned(),
            message: message.into(),
            exit: Exit::Usage,
            details: Map::new(),
        }
    }

    /// Adds a field to the JSON error.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Failure {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// Appends a sentence telling the technician what to do.
    pub fn advise(mut self, advice: &str) -> Failure {
        self.message = format!("{} — {advice}", self.message);
        self
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let mut details = Map::new();
        if let Some(status) = e.http_status() {
            details.insert("http_status".into(), status.into());
        }
        if let Some(key) = e.idempotency_key() {
            details.insert("idempotency_key".into(), key.into());
        }
        Failure {
            status: e.kind().as_str().to_owned(),
            message: e.message().to_owned(),
            exit: Exit::of(e.kind()),
            details,
        }
    }
}

pub type Outcome<T> = std::result::Result<T, Failure>;

/// How results are shown: text on stdout (notes on stderr), or one JSON document on stdout.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints a command's result: `document` with --json, else `text`.
    pub fn result(&self, document: &Value, text: &str) {
        if self.json {
            print_line(&document.to_string());
        } else if !text.is_empty() {
            print_line(text.trim_end_matches('\n'));
        }
    }

    /// Prints a failure and returns its exit code.
    pub fn failure(&self, failure: &Failure) -> Exit {
        if self.json {
            let mut error = Map::new();
            error.insert("status".into(), failure.status.as_str().into());
            error.insert("message".into(), failure.message.as_str().into());
            error.extend(failure.details.clone());
            print_line(&json!({ "error": error }).to_string());
        } else {
            eprintln!("mppoint: {}", failure.message);
        }
        failure.exit
    }
}

/// One line on stdout; a closed pipe (`mppoint devices | head -1`) is not a crash.
fn print_line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}
