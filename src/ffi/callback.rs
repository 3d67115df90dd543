//! The host's callbacks, whatever their calling convention. The cdecl exports take cdecl
//! callbacks; their stdcall twins (`ffi::stdcall`, 32-bit Windows) take stdcall ones. The code
//! that calls them is written once, generic over these traits.

use std::ffi::c_void;
use std::os::raw::c_char;

use super::types::{MpIntentState, MpLogLevel};
use crate::model::IntentState;
use crate::wait::Progress;

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

/// The progress of a wait (or of recovery) as the host's callback answers it: `Continue`
/// without a callback; the JSON passed as a C string (a NUL inside becomes a space).
pub(crate) fn progress_of<C: WaitCallbackFn>(
    callback: Option<C>,
    user_data: *mut c_void,
) -> impl FnMut(IntentState, &str) -> Progress {
    move |state, json| {
        let Some(callback) = callback else {
            return Progress::Continue;
        };
        let json = std::ffi::CString::new(json.replace('\0', " ")).unwrap_or_default();
        match unsafe { callback.invoke(user_data, state.into(), json.as_ptr()) } {
            0 => Progress::Continue,
            _ => Progress::Stop,
        }
    }
}

/// A non-NULL `MpLogCallback` (or its stdcall counterpart).
pub(crate) trait LogCallbackFn: Copy + 'static {
    /// # Safety
    /// As for [`WaitCallbackFn::invoke`].
    unsafe fn invoke(self, user_data: *mut c_void, level: MpLogLevel, message: *const c_char);
}

/// Implements both traits for the host's function pointers of one calling convention, so the
/// cdecl and stdcall callbacks are called by the same code.
macro_rules! impl_callback_fns {
    ($abi:literal) => {
        impl $crate::ffi::callback::WaitCallbackFn
            for unsafe extern $abi fn(
                *mut std::ffi::c_void,
                $crate::ffi::types::MpIntentState,
                *const std::os::raw::c_char,
            ) -> i32
        {
            unsafe fn invoke(
                self,
                user_data: *mut std::ffi::c_void,
                state: $crate::ffi::types::MpIntentState,
                json: *const std::os::raw::c_char,
            ) -> i32 {
                self(user_data, state, json)
            }
        }

        impl $crate::ffi::callback::LogCallbackFn
            for unsafe extern $abi fn(
                *mut std::ffi::c_void,
                $crate::ffi::types::MpLogLevel,
                *const std::os::raw::c_char,
            )
        {
            unsafe fn invoke(
                self,
                user_data: *mut std::ffi::c_void,
                level: $crate::ffi::types::MpLogLevel,
                message: *const std::os::raw::c_char,
            ) {
                self(user_data, level, message)
            }
        }
    };
}
// Used again by `ffi::stdcall`, which exists on 32-bit Windows only.
#[cfg_attr(not(all(windows, target_arch = "x86")), allow(unused_imports))]
pub(crate) use impl_callback_fns;

impl_callback_fns!("C");
