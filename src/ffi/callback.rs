//! The host's callbacks, whatever their calling convention. The cdecl exports take cdecl
//! callbacks; their stdcall twins (`ffi::stdcall`, 32-bit Windows) take stdcall ones. The code
//! that calls them is written once, generic over these traits.

use std::ffi::c_void;
use std::os::raw::c_char;

use super::types::{MpIntentState, MpLogLevel};

/// A non-NULL `MpWaitCallback` (or its stdcall counterpart).
pub(crate) trait WaitCallbackFn: Copy {
    /// # Safety
    /// The host's function and `user_data` are valid, as `point.h` requires of the host.
    unsafe fn invoke(
        self,
        user_data: *mut c_void,
        state: MpIntentState,
        json: *const c_char,
    ) -> i32;
}

/// A non-NULL `MpLogCallback` (or its stdcall counterpart).
pub(crate) trait LogCallbackFn: Copy + 'static {
    /// # Safety
    /// As for [`WaitCallbackFn::invoke`].
    unsafe fn invoke(self, user_data: *mut c_void, level: MpLogLevel, message: *const c_char);
}

impl WaitCallbackFn for unsafe extern "C" fn(*mut c_void, MpIntentState, *const c_char) -> i32 {
    unsafe fn invoke(
        self,
        user_data: *mut c_void,
        state: MpIntentState,
        json: *const c_char,
    ) -> i32 {
        self(user_data, state, json)
    }
}

impl LogCallbackFn for unsafe extern "C" fn(*mut c_void, MpLogLevel, *const c_char) {
    unsafe fn invoke(self, user_data: *mut c_void, level: MpLogLevel, message: *const c_char) {
        self(user_data, level, message)
    }
}
