//! Turning C arguments into Rust values, and Rust results into C out-parameters. Each helper
//! answers a NULL or malformed argument with an `InvalidArgument` error that names it.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;

use super::boundary::null_argument;
use super::types::{MpClient, MpIntentState};
use crate::error::{Error, ErrorKind};
use crate::Client;

/// A required UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn text<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(null_argument(name));
    }
    CStr::from_ptr(p)
        .to_str()
        .map_err(|_| Error::invalid(format!("{name} is not valid UTF-8")))
}

/// An optional UTF-8 string argument (NULL is `None`).
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn opt_text<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        Ok(None)
    } else {
        text(p, name).map(Some)
    }
}

/// The client behind a handle.
///
/// # Safety
/// `p` is NULL or a handle from `mp_init*` that has not been freed.
pub(crate) unsafe fn client<'a>(p: *const MpClient) -> Result<&'a Client, Error> {
    p.as_ref()
        .map(|handle| &handle.inner)
        .ok_or_else(|| null_argument("client"))
}

/// An out-parameter checked for NULL up front, written only once the whole call has
/// succeeded (so a failing call leaves every out-parameter as the caller set it).
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// A required out-parameter.
    pub(crate) fn required(p: *mut T, name: &str) -> Result<Out<T>, Error> {
        if p.is_null() {
            Err(null_argument(name))
        } else {
            Ok(Out(p))
        }
    }

    /// An optional out-parameter (NULL: the caller does not want it).
    pub(crate) fn optional(p: *mut T) -> Option<Out<T>> {
        (!p.is_null()).then_some(Out(p))
    }

    /// # Safety
    /// The pointer given to `required`/`optional` is valid for a write of `T`.
    pub(crate) unsafe fn write(self, value: T) {
        self.0.write(value);
    }
}

/// A string the caller owns and frees with `mp_string_free`.
pub(crate) struct OwnedText(CString);

impl OwnedText {
    pub(crate) fn new(text: String) -> Result<OwnedText, Error> {
        CString::new(text).map(OwnedText).map_err(|_| {
            Error::new(
                ErrorKind::BadResponse,
                "the answer contains a NUL byte and cannot be returned as a C string",
            )
        })
    }

    /// Hands ownership to C.
    pub(crate) fn into_raw(self) -> *mut c_char {
        self.0.into_raw()
    }
}

/// Writes an owned string into a `char **` out-parameter.
///
/// # Safety
/// As for [`Out::write`].
pub(crate) unsafe fn write_text(out: Out<*mut c_char>, text: OwnedText) {
    out.write(text.into_raw());
}

/// Writes the two optional out-parameters of the calls that report an intent's state: the
/// state, and its JSON (NULL when there is none to give, as after a wait that never read).
///
/// # Safety
/// Each pointer is NULL or valid for a write.
pub(crate) unsafe fn write_state_and_json(
    out_state: *mut MpIntentState,
    state: MpIntentState,
    out_json: *mut *mut c_char,
    json: Option<OwnedText>,
) {
    if let Some(out) = Out::optional(out_state) {
        out.write(state);
    }
    if let Some(out) = Out::optional(out_json) {
        out.write(json.map_or(std::ptr::null_mut(), OwnedText::into_raw));
    }
}

/// Frees a string made by [`OwnedText::into_raw`].
///
/// # Safety
/// `p` is NULL or came from `OwnedText::into_raw` and was not freed before.
pub(crate) unsafe fn free_text(p: *mut c_char) {
    if !p.is_null() {
        drop(CString::from_raw(p));
    }
}
