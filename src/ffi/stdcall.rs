//! 32-bit Windows only: the stdcall callback types of the `_std` exports. Every export
//! `mp_x` of the C interface has a twin `mp_x_std` with the same parameters in the stdcall
//! convention, for hosts that can call nothing else (VB6's `Declare`). build.rs generates the
//! twins from the exports' own source; each module includes them. They are not in `point.h`
//! (cbindgen leaves `extern "system"` functions out): `bindings/vb6/MpPoint.bas` declares them.

use std::ffi::c_void;
use std::os::raw::c_char;

use super::types::{MpIntentState, MpLogLevel};

/// `MpWaitCallback` in the stdcall convention.
pub type MpWaitCallbackStd = Option<
    unsafe extern "system" fn(
        user_data: *mut c_void,
        state: MpIntentState,
        intent_json: *const c_char,
    ) -> i32,
>;

/// `MpLogCallback` in the stdcall convention.
pub type MpLogCallbackStd = Option<
    unsafe extern "system" fn(user_data: *mut c_void, level: MpLogLevel, message: *const c_char),
>;

super::callback::impl_callback_fns!("system");
