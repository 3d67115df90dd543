//! The one boundary every export goes through: it catches panics, keeps this thread's last
//! error and HTTP status, and turns a core `Error` into an `MpStatus`.

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::raw::c_char;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use super::types::MpStatus;
use crate::error::{Error, ErrorKind};
use crate::sale::Snapshot;
use crate::transport::Reply;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    static LAST_HTTP_STATUS: Cell<i32> = const { Cell::new(0) };
    static LAST_IDEMPOTENCY_KEY: RefCell<CString> = RefCell::new(CString::default());
    /// Set while this thread runs inside an export, so the panic hook stays quiet only for
    /// panics the boundary will catch.
    static IN_BOUNDARY: Cell<bool> = const { Cell::new(false) };
}

/// What a successful call reports besides `MP_STATUS_OK`.
pub(crate) struct Done {
    /// HTTP status of the last answer, if the call made a request.
    pub http_status: Option<u16>,
    /// The idempotency key the call sent, if it sent a POST.
    pub idempotency_key: Option<String>,
}

impl Done {
    pub(crate) fn local() -> Result<Done, Error> {
        Ok(Done {
            http_status: None,
            idempotency_key: None,
        })
    }

    pub(crate) fn http(status: u16) -> Result<Done, Error> {
        Ok(Done {
            http_status: Some(status),
            idempotency_key: None,
        })
    }

    /// A call answered by `reply`.
    pub(crate) fn reply(reply: &Reply) -> Result<Done, Error> {
        Ok(Done {
            http_status: Some(reply.status),
            idempotency_key: reply.idempotency_key.clone(),
        })
    }

    /// A call that read or created a sale or refund.
    pub(crate) fn snapshot(snapshot: &Snapshot) -> Result<Done, Error> {
        Ok(Done {
            http_status: Some(snapshot.http_status()),
            idempotency_key: snapshot.idempotency_key().map(str::to_owned),
        })
    }
}

/// Runs an export's body: resets this thread's last error, catches any panic (reported as
/// `MP_STATUS_INTERNAL`), and records the error text and HTTP status of a failure.
pub(crate) fn call(body: impl FnOnce() -> Result<Done, Error>) -> MpStatus {
    install_quiet_panic_hook();
    set_last(None, None, None);
    let was_inside = IN_BOUNDARY.with(|inside| inside.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        panic_probe();
        body()
    }));
    IN_BOUNDARY.with(|inside| inside.set(was_inside));
    match outcome {
        Ok(Ok(done)) => {
            set_last(None, done.http_status, done.idempotency_key.as_deref());
            MpStatus::Ok
        }
        Ok(Err(error)) => {
            set_last(
                Some(error.message()),
                error.http_status(),
                error.idempotency_key(),
            );
            MpStatus::from(error.kind())
        }
        Err(_) => {
            set_last(Some(PANIC_MESSAGE), None, None);
            MpStatus::Internal
        }
    }
}

/// For exports that return no status (`mp_set_log_callback`): same bookkeeping, the status
/// is only visible through `mp_last_error()`.
pub(crate) fn call_void(body: impl FnOnce() -> Result<Done, Error>) {
    let _ = call(body);
}

/// For exports that cannot fail and leave the last error alone (names, version, free):
/// catches a panic so it never unwinds into C, and returns `fallback` instead.
pub(crate) fn call_infallible<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    install_quiet_panic_hook();
    let was_inside = IN_BOUNDARY.with(|inside| inside.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    IN_BOUNDARY.with(|inside| inside.set(was_inside));
    outcome.unwrap_or(fallback)
}

/// Test hook for the panic boundary of a shipped DLL: with `MPPOINT_TEST_PANIC=1` in the
/// environment, every export that returns an `MpStatus` panics inside the boundary, a real
/// panic caught like any other (`MP_STATUS_INTERNAL`). It lets a test prove, on the DLL a
/// cross-compiled target produced, that unwinding works there and that nothing reaches the
/// host (`tests/windows` runs it under Wine). Read on every call, so a test can turn it on and
/// off; Windows only, where reading the environment is safe while the host changes it (with
/// glibc a `getenv` racing a host thread's `setenv` can crash, and on Linux the boundary is
/// proven by the library's own tests).
#[cfg(windows)]
fn panic_probe() {
    if std::env::var_os("MPPOINT_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("MPPOINT_TEST_PANIC is set");
    }
}

#[cfg(not(windows))]
fn panic_probe() {}

const PANIC_MESSAGE: &str = "internal error: mppoint caught a panic (a bug; please report it). \
If the call sends requests, check the intent's state before retrying";

/// A NULL-required-pointer error, named after the parameter.
pub(crate) fn null_argument(name: &str) -> Error {
    Error::new(ErrorKind::InvalidArgument, format!("{name} is NULL"))
}

fn set_last(message: Option<&str>, http_status: Option<u16>, idempotency_key: Option<&str>) {
    LAST_HTTP_STATUS.with(|s| s.set(http_status.map_or(0, i32::from)));
    LAST_IDEMPOTENCY_KEY.with(|slot| {
        let mut slot = slot.borrow_mut();
        match idempotency_key {
            // Keys are visible ASCII (checked, or made by the library): no NUL.
            Some(key) => *slot = CString::new(key).unwrap_or_default(),
            None if !slot.as_bytes().is_empty() => *slot = CString::default(),
            None => {}
        }
    });
    LAST_ERROR.with(|slot| {
        let mut slot = slot.borrow_mut();
        let Some(text) = message else {
            // Every call starts by clearing the text: no allocation when it is clear already.
            if !slot.as_bytes().is_empty() {
                *slot = CString::default();
            }
            return;
        };
        // Error texts come from the network too: an embedded NUL must not truncate or fail.
        *slot = CString::new(text.replace('\0', " ")).unwrap_or_default();
    });
}

/// Pointer to this thread's last error text; valid until the next resetting call.
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}

pub(crate) fn last_http_status() -> i32 {
    LAST_HTTP_STATUS.with(Cell::get)
}

/// Pointer to the idempotency key this thread's last call sent (`""` if none); valid until
/// the next resetting call.
pub(crate) fn last_idempotency_key_ptr() -> *const c_char {
    LAST_IDEMPOTENCY_KEY.with(|slot| slot.borrow().as_ptr())
}

/// Rust's default hook prints panics (and backtraces with RUST_BACKTRACE) to the host's
/// stderr even when they are caught. The hook installed here stays silent for panics inside
/// an export and defers to the previous hook for any other panic in the process.
fn install_quiet_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_BOUNDARY.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last_error() -> String {
        unsafe { CStr::from_ptr(last_error_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_internal_with_a_message() {
        let status = call(|| panic!("boom"));
        assert_eq!(status, MpStatus::Internal);
        assert!(last_error().contains("panic"));
        assert_eq!(call(Done::local), MpStatus::Ok);
        assert_eq!(last_error(), "");
    }

    #[test]
    fn errors_keep_text_and_http_status_until_the_next_call() {
        let status = call(|| {
            Err(Error::http(
                ErrorKind::DeviceBusy,
                409,
                "busy\0device",
                String::new(),
            ))
        });
        assert_eq!(status, MpStatus::DeviceBusy);
        assert_eq!(last_error(), "busy device");
        assert_eq!(last_http_status(), 409);
        assert_eq!(call(|| Done::http(201)), MpStatus::Ok);
        assert_eq!(last_error(), "");
        assert_eq!(last_http_status(), 201);
    }

    #[test]
    fn infallible_calls_return_the_fallback_on_panic() {
        assert_eq!(call_infallible(7, || panic!("x")), 7);
        assert_eq!(call_infallible(7, || 3), 3);
    }

    /// Runs only inside the child process of `caught_panics_print_nothing_to_stderr`.
    #[test]
    fn panicking_child() {
        if std::env::var_os("MPPOINT_PANIC_CHILD").is_none() {
            return;
        }
        std::env::set_var("RUST_BACKTRACE", "full");
        assert_eq!(call(|| panic!("child panic")), MpStatus::Internal);
        println!("child survived");
    }

    #[test]
    fn caught_panics_print_nothing_to_stderr() {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "ffi::boundary::tests::panicking_child",
                "--exact",
                "--nocapture",
            ])
            .env("MPPOINT_PANIC_CHILD", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("child survived"), "{stdout}");
        assert!(
            !stderr.contains("child panic"),
            "the host's stderr got: {stderr}"
        );
        assert!(
            !stdout.contains("child panic"),
            "the host's stdout got: {stdout}"
        );
    }
}
