//! Version, names, the last error, and freeing strings: calls that never fail and never
//! touch this thread's last error.

use std::os::raw::c_char;

use super::args::free_text;
use super::boundary::{
    call_infallible, last_error_ptr, last_http_status, last_idempotency_key_ptr,
};
use super::types::{MpIntentState, MpStatus};

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

fn static_text(s: &'static str) -> *const c_char {
    debug_assert!(s.ends_with('\0'));
    s.as_ptr().cast()
}

/// The library's version, e.g. `"0.4.0"`: compare it with `MP_VERSION_MAJOR`/`MINOR` to
/// check at run time that the loaded library can serve the program. From 0.3 on a minor
/// version only adds to the interface (functions, statuses, fields of JSON documents), so a
/// program built against 0.3 runs with any 0.y library where y ≥ 3: accept the same major and
/// a minor at least `MP_VERSION_MINOR`, and refuse anything else.
///
/// The string is static: never free it. Thread-safe. Does not change `mp_last_error()`.
#[no_mangle]
pub extern "C" fn mp_version() -> *const c_char {
    static_text(VERSION)
}

/// The name of a status, e.g. `"MP_STATUS_DEVICE_BUSY"`; `"MP_STATUS_UNKNOWN"` for a number
/// that is not a status. Takes any `uint32_t`, so an `MpStatus` from a newer library is safe.
///
/// The string is static: never free it; never NULL. Thread-safe. Does not change
/// `mp_last_error()`.
#[no_mangle]
pub extern "C" fn mp_status_name(status: u32) -> *const c_char {
    call_infallible(static_text("MP_STATUS_UNKNOWN\0"), || {
        let name = MpStatus::ALL
            .get(status as usize)
            .map_or("MP_STATUS_UNKNOWN\0", |s| s.c_name());
        static_text(name)
    })
}

/// The API's name of an intent state, e.g. `"FINISHED"`, `"ON_TERMINAL"`; `"UNKNOWN"` for
/// `MP_INTENT_STATE_UNKNOWN` and for a number that is not a state.
///
/// The string is static: never free it; never NULL. Thread-safe. Does not change
/// `mp_last_error()`.
#[no_mangle]
pub extern "C" fn mp_intent_state_name(state: u32) -> *const c_char {
    call_infallible(static_text("UNKNOWN\0"), || {
        let state = MpIntentState::from_number(state).map_or(MpIntentState::Unknown, Into::into);
        static_text(state.short_name())
    })
}

/// 1 if `state` is final (FINISHED, CANCELED, ERROR, ABANDONED, CONFIRMATION_REQUIRED: the
/// intent will not change again), 0 otherwise, including UNKNOWN and out-of-range numbers.
///
/// Thread-safe. Does not change `mp_last_error()`.
#[no_mangle]
pub extern "C" fn mp_intent_state_is_final(state: u32) -> i32 {
    call_infallible(0, || {
        i32::from(MpIntentState::from_number(state).is_some_and(|s| s.is_final()))
    })
}

/// Why the last call on this thread failed, in English; `""` if it succeeded. Never NULL.
///
/// The text belongs to the library: do not free it. It stays valid until the next `mp_` call
/// on this thread (other than `mp_last_error`, `mp_last_http_status`, `mp_version`, the
/// `*_name` and `*_is_final` helpers, `mp_string_free` and `mp_free`, which leave it as it
/// is): copy it if you need it longer. Each thread has its own. Never contains the token.
#[no_mangle]
pub extern "C" fn mp_last_error() -> *const c_char {
    call_infallible(static_text("\0"), last_error_ptr)
}

/// The HTTP status of the last answer the last call on this thread received (also when it
/// succeeded: 200, 201, 204), or 0 if it received none (a local error, a network failure).
///
/// Thread-local, like `mp_last_error()`, and left alone by the same calls.
#[no_mangle]
pub extern "C" fn mp_last_http_status() -> i32 {
    call_infallible(0, last_http_status)
}

/// The idempotency key the last call on this thread sent, or `""` if it sent none. Every
/// create (`mp_create_intent`, `mp_create_intent_simple`, `mp_create_intent_keyed`,
/// `mp_create_refund`, `mp_create_refund_keyed`) sends one: the caller's, or one the library
/// made for the call (UUID v4) and reused on its retries.
///
/// Read it after `MP_STATUS_OUTCOME_UNKNOWN` (the answer to a create was lost: the intent or
/// refund may exist) and send the same request again with it — `mp_create_intent_keyed` or
/// `mp_create_refund_keyed` with the same arguments, or `mp_create_intent`/`mp_create_refund`
/// with the same JSON: the service returns the object if it exists and creates it once if it
/// does not. Store it with the sale before retrying, so a crash in between loses nothing
/// (simplest: choose the key yourself, from the ticket, and pass it to the keyed create).
///
/// Never NULL; the text belongs to the library and stays valid until the next `mp_` call on
/// this thread that resets `mp_last_error()`. Thread-local, and left alone by the same calls
/// as `mp_last_error()`.
#[no_mangle]
pub extern "C" fn mp_last_idempotency_key() -> *const c_char {
    call_infallible(static_text("\0"), last_idempotency_key_ptr)
}

/// Frees a string the library returned through a `char **out_*` parameter. NULL is fine.
/// Never pass a string from anywhere else (not `mp_version()`, not `mp_last_error()`, not your
/// own), and never free with `free()`: the library's allocator may not be the C runtime's.
///
/// Thread-safe. Does not change `mp_last_error()`.
#[no_mangle]
pub extern "C" fn mp_string_free(s: *mut c_char) {
    call_infallible((), || unsafe { free_text(s) })
}

// The stdcall twins of this module's exports, for 32-bit Windows (generated by build.rs).
#[cfg(all(windows, target_arch = "x86"))]
include!(concat!(env!("OUT_DIR"), "/stdcall/info.rs"));
