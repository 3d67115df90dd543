//! Where the client's log lines go: a sink the host installs (the C layer wraps its callback
//! in one). Lines carry method, path, status, duration and retries — never the token: it
//! lives only in the request headers, and every line passes `secret::redact` on its way out.

use std::sync::{Arc, RwLock};

/// Severity of a log line; lower is more severe, as in syslog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl LogLevel {
    pub fn from_number(n: u32) -> Option<LogLevel> {
        match n {
            1 => Some(LogLevel::Error),
            2 => Some(LogLevel::Warn),
            3 => Some(LogLevel::Info),
            4 => Some(LogLevel::Debug),
            _ => None,
        }
    }
}

/// Receives log lines; called on whichever thread made the request.
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// The installed sink and its threshold; swapped atomically while other threads log.
#[derive(Default)]
pub(crate) struct Logger {
    sink: RwLock<Option<(LogSink, LogLevel)>>,
}

impl Logger {
    pub(crate) fn set(&self, sink: Option<LogSink>, min_level: LogLevel) {
        let mut slot = self.sink.write().unwrap_or_else(|p| p.into_inner());
        *slot = sink.map(|s| (s, min_level));
    }

    /// Formats lazily so that a client without a sink pays nothing for logging.
    pub(crate) fn log(&self, level: LogLevel, line: impl FnOnce() -> String) {
        // Clone the sink out so a slow host callback never holds the lock.
        let sink = {
            let slot = self.sink.read().unwrap_or_else(|p| p.into_inner());
            match &*slot {
                Some((sink, min)) if level <= *min => Some(Arc::clone(sink)),
                _ => None,
            }
        };
        if let Some(sink) = sink {
            sink(level, &crate::secret::redact(&line()));
        }
    }
}
