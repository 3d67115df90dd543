//! What the fuzz targets share: cutting an input into fields, and calling the library's C
//! exports the way a C program does, so the pointer and C-string code of `src/ffi` runs under
//! the sanitizer as well as the core functions behind it.

use std::ffi::{c_char, c_void, CStr, CString};

/// Splits `data` at NUL bytes into exactly `n` fields: missing ones are empty, the last one
/// keeps any further NULs. NUL is the separator because no C caller can pass one inside a
/// string, so every other field is something an export can really receive.
pub fn fields(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = data.splitn(n, |&b| b == 0).collect();
    out.resize(n, &[]);
    out
}

/// The status numbers of `include/point.h` that the targets tell apart.
pub mod status {
    pub const OK: u32 = 0;
    pub const INVALID_ARGUMENT: u32 = 1;
    pub const NOT_FOUND: u32 = 6;
    pub const BAD_RESPONSE: u32 = 12;
    pub const INTERNAL: u32 = 15;
}

extern "C" {
    fn mp_last_error() -> *const c_char;
    fn mp_string_free(s: *mut c_char);
    fn mp_json_get(json: *const c_char, path: *const c_char, out_value: *mut *mut c_char) -> u32;
    fn mp_parse_notification(
        body: *const c_char,
        out_state: *mut u32,
        out_json: *mut *mut c_char,
    ) -> u32;
    fn mp_verify_signature(
        secret: *const c_char,
        x_signature: *const c_char,
        x_request_id: *const c_char,
        data_id: *const c_char,
        tolerance_s: i64,
        now_unix_s: i64,
    ) -> u32;
    fn mp_init_with_options(options_json: *const c_char, out_client: *mut *mut c_void) -> u32;
    fn mp_free(client: *mut c_void);
}

/// What one export call gave back: its status, `mp_last_error()` right after it, and the
/// string it returned (copied, then freed with `mp_string_free` as the header requires).
#[derive(Debug)]
pub struct Outcome {
    pub status: u32,
    pub error: String,
    pub out: Option<Vec<u8>>,
}

impl Outcome {
    /// The returned string as text (the header promises UTF-8).
    pub fn out_text(&self) -> Option<&str> {
        self.out
            .as_deref()
            .map(|b| std::str::from_utf8(b).expect("an export returned a string that is not UTF-8"))
    }
}

/// The C string a caller holding these bytes would pass: everything up to the first NUL.
pub fn c_string(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).expect("no NUL before end")
}

fn last_error() -> String {
    let p = unsafe { mp_last_error() };
    assert!(!p.is_null(), "mp_last_error() returned NULL");
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .expect("mp_last_error() is not UTF-8")
        .to_owned()
}

/// Sentinel for out-parameters: a failed call must leave it where it was.
fn sentinel() -> *mut c_char {
    static BYTE: u8 = 0;
    std::ptr::addr_of!(BYTE) as *mut c_char
}

/// Copies and frees what an export wrote to `out`, checking the header's promise that a
/// failed call leaves out-parameters untouched.
fn take(status: u32, out: *mut c_char) -> Option<Vec<u8>> {
    if status != status::OK {
        assert!(
            out == sentinel(),
            "a call that failed ({status}) wrote its out-parameter"
        );
        return None;
    }
    if out.is_null() || out == sentinel() {
        return None;
    }
    let copy = unsafe { CStr::from_ptr(out) }.to_bytes().to_vec();
    unsafe { mp_string_free(out) };
    Some(copy)
}

/// `mp_json_get(json, path, &out)`.
pub fn c_json_get(json: &CString, path: &CString) -> Outcome {
    let mut out = sentinel();
    let status = unsafe { mp_json_get(json.as_ptr(), path.as_ptr(), &mut out) };
    let error = last_error();
    Outcome {
        status,
        error,
        out: take(status, out),
    }
}

/// `mp_parse_notification(body, &state, &json)`; the state is `None` unless the call succeeded.
pub fn c_parse_notification(body: &CString) -> (Outcome, Option<u32>) {
    const UNTOUCHED: u32 = 0xA5A5_A5A5;
    let mut state = UNTOUCHED;
    let mut out = sentinel();
    let status = unsafe { mp_parse_notification(body.as_ptr(), &mut state, &mut out) };
    let error = last_error();
    let state = if status == status::OK {
        Some(state)
    } else {
        assert_eq!(
            state, UNTOUCHED,
            "a failed mp_parse_notification wrote out_state"
        );
        None
    };
    let outcome = Outcome {
        status,
        error,
        out: take(status, out),
    };
    (outcome, state)
}

/// `mp_verify_signature(...)`; `None` ids are passed as NULL.
pub fn c_verify_signature(
    secret: &CString,
    x_signature: &CString,
    x_request_id: Option<&CString>,
    data_id: Option<&CString>,
    tolerance_s: i64,
    now_unix_s: i64,
) -> Outcome {
    let ptr = |s: Option<&CString>| s.map_or(std::ptr::null(), |s| s.as_ptr());
    let status = unsafe {
        mp_verify_signature(
            secret.as_ptr(),
            x_signature.as_ptr(),
            ptr(x_request_id),
            ptr(data_id),
            tolerance_s,
            now_unix_s,
        )
    };
    Outcome {
        status,
        error: last_error(),
        out: None,
    }
}

/// `mp_init_with_options(options, &client)`, then `mp_free(client)` when it made one.
pub fn c_init_with_options(options: &CString) -> Outcome {
    let untouched = sentinel() as *mut c_void;
    let mut client = untouched;
    let status = unsafe { mp_init_with_options(options.as_ptr(), &mut client) };
    let error = last_error();
    if status == status::OK {
        assert!(
            !client.is_null() && client != untouched,
            "mp_init_with_options succeeded without a client"
        );
        unsafe { mp_free(client) };
    } else {
        assert!(
            client == untouched,
            "a failed mp_init_with_options wrote out_client"
        );
    }
    Outcome {
        status,
        error,
        out: None,
    }
}

/// A failed call must say why: the header promises a non-empty `mp_last_error()`, and a
/// success must clear it.
pub fn assert_error_text(outcome: &Outcome) {
    if outcome.status == status::OK {
        assert!(
            outcome.error.is_empty(),
            "success left mp_last_error() = {:?}",
            outcome.error
        );
    } else {
        assert!(
            !outcome.error.is_empty(),
            "status {} with an empty mp_last_error()",
            outcome.status
        );
    }
    assert_ne!(
        outcome.status,
        status::INTERNAL,
        "a caught panic: {}",
        outcome.error
    );
}
