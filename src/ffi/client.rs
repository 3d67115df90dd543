//! Client lifetime, configuration, devices, the integrator (webhook registration) and logging.

use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::sync::Arc;

use super::args::{client, opt_text, text, write_state_and_json, write_text, Out, OwnedText};
use super::boundary::{call, call_infallible, call_void, Done};
use super::callback::LogCallbackFn;
use super::types::{MpClient, MpIntentState, MpLogLevel, MpStatus};
use crate::error::Error;
use crate::log::LogLevel;
use crate::model::{DeviceFilters, OperatingMode};
use crate::sale::Snapshot;
use crate::transport::Reply;
use crate::{Client, Config};

/// Receives the library's log lines: method, path, HTTP status, duration, retries. Never the
/// access token. Called on the thread that made the request, possibly several threads at
/// once; `message` is valid only during the call. Must not call `mp_free` on the client.
pub type MpLogCallback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: MpLogLevel, message: *const c_char)>;

fn new_client(config: Config, out_client: Out<*mut MpClient>) -> Result<Done, Error> {
    let handle = Box::new(MpClient {
        inner: Client::new(config)?,
    });
    unsafe { out_client.write(Box::into_raw(handle)) };
    Done::local()
}

/// The body of an export that takes the client and one text argument, makes one call of the
/// client with it and writes the answer's JSON to a required `out_json`.
pub(crate) fn text_to_reply(
    client: *mut MpClient,
    (arg, arg_name): (*const c_char, &str),
    out_json: *mut *mut c_char,
    core_call: impl FnOnce(&Client, &str) -> Result<Reply, Error>,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let arg = unsafe { text(arg, arg_name) }?;
        let out = Out::required(out_json, "out_json")?;
        reply_to(core_call(client, arg)?, Some(out))
    })
}

/// Writes a reply's body to an optional `char **` and reports its HTTP status.
pub(crate) fn reply_to(reply: Reply, out_json: Option<Out<*mut c_char>>) -> Result<Done, Error> {
    let done = Done::reply(&reply);
    if let Some(out) = out_json {
        let json = OwnedText::new(reply.body)?;
        unsafe { write_text(out, json) };
    }
    done
}

/// Writes a sale's or refund's two optional out-parameters (its state and JSON) and reports
/// the answer's HTTP status: the tail of `mp_intent_status` and `mp_refund_status`.
pub(crate) fn snapshot_to(
    snapshot: Snapshot,
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> Result<Done, Error> {
    let done = Done::snapshot(&snapshot);
    let state = snapshot.state().into();
    let json = OwnedText::new(snapshot.into_json())?;
    unsafe { write_state_and_json(out_state, state, out_json, Some(json)) };
    done
}

/// Writes a created sale's or refund's JSON into a required `char **` and reports the
/// answer's HTTP status and the key the create sent.
pub(crate) fn created_to(snapshot: Snapshot, out_json: Out<*mut c_char>) -> Result<Done, Error> {
    let done = Done::snapshot(&snapshot);
    let json = OwnedText::new(snapshot.into_json())?;
    unsafe { write_text(out_json, json) };
    done
}

/// Creates a client for the production service (`https://api.mercadopago.com`) with the
/// default options (see `mp_init_with_options`). Sends nothing.
///
/// - `access_token`: required; `TEST-…` or `APP_USR-…`. Copied: the caller may free it.
/// - `out_client`: required; receives the client on `MP_STATUS_OK`. Free it with `mp_free`.
///
/// Returns `MP_STATUS_INVALID_ARGUMENT` for a NULL or empty token.
#[no_mangle]
pub extern "C" fn mp_init(access_token: *const c_char, out_client: *mut *mut MpClient) -> MpStatus {
    call(|| {
        let token = unsafe { text(access_token, "access_token") }?;
        let out = Out::required(out_client, "out_client")?;
        new_client(Config::new(token)?, out)
    })
}

/// Creates a client from a JSON object of options. Sends nothing.
///
/// Keys (unknown keys are `MP_STATUS_INVALID_ARGUMENT`, so a typo never passes silently):
/// - `access_token` (string, required);
/// - `api`: `"integration"` (the default: the Point Integration API, `/point/integration-api`,
///   deprecated by Mercado Pago) or `"orders"` (the Orders API, `/v1/orders` and
///   `/terminals/v1`, which new integrations must use). The same functions work with both and
///   give the same JSON shapes; each function says what differs. `mp_init` always speaks
///   `"integration"`;
/// - `base_url` (default `"https://api.mercadopago.com"`; `http://` only for loopback hosts
///   such as the simulator: 127.0.0.0/8, `::1`, `localhost`);
/// - `site` (`"MLA"`, `"MLB"`, `"MLM"` or `"MLC"`: amounts are checked against the site's
///   limits before sending; without it any amount from 1 to 400000000 passes). With the Orders
///   API it also says how amounts are written: `"MLC"` (Chile, pesos without decimals) sends
///   1500 as `"1500"`, any other as `"15.00"`;
/// - `timeout_ms` (30000: the most one call may take, retries and backoff included);
/// - `connect_timeout_ms` (10000); `max_retries` (2, at most 10);
/// - `poll_interval_ms` (1000, at least 10: the pause between reads of `mp_wait_intent`; the
///   real API allows one read per second);
/// - `test_scope` (e.g. `"sandbox"`: sent as header `x-test-scope`; printable ASCII). The
///   Orders API has no such header (it is tested with a test account's credentials): with
///   `"api":"orders"` this key is `MP_STATUS_INVALID_ARGUMENT`;
/// - `proxy`: an HTTP CONNECT proxy, `"http://host:port"`, or `"http://user:password@host:port"`
///   for one that asks for credentials (percent-encode `@`, `:` and `%` in them; they are sent
///   as `Proxy-Authorization: Basic` and never shown in `mp_last_error()` or a log line);
///   `https://` for a proxy reached over TLS, whose certificate is checked like the
///   service's (`ca_file` included). SOCKS proxies (`socks5://`, `socks4://`, …) and a port outside 1..65535 are
///   `MP_STATUS_INVALID_ARGUMENT`. Proxy environment variables are ignored;
/// - `ca_file`: path of a PEM file (a regular file of at most 4 MB) whose certificates are
///   trusted in addition to the bundled Mozilla roots, e.g. a corporate TLS proxy's CA. It
///   must hold CA certificates: a self-signed server certificate marked as a CA (what
///   `openssl req -x509` makes by default) is refused as the server's own certificate
///   (`MP_STATUS_TLS`, "CaUsedAsEndEntity"). Instead make a small CA, sign the server's
///   certificate with it and put the CA's certificate here; or make the self-signed
///   certificate with `-addext basicConstraints=critical,CA:FALSE` and the server's name in
///   `subjectAltName`. A file that is missing, not a regular file (a FIFO, a device, a
///   directory), larger than 4 MB or without a certificate is `MP_STATUS_INVALID_ARGUMENT`;
/// - `user_agent` (default `"mppoint/<version>"`; printable ASCII);
/// - `journal_path`: a file where the client records every step of every sale and refund
///   (SQLite, created if missing; several threads and several processes may share it), so
///   that `mp_recover` settles, after a crash, a kill or a power cut, what was in flight.
///   Each create is recorded before it is sent: if that fails, the create is
///   `MP_STATUS_JOURNAL` and nothing is sent. A call refused before anything is sent (an
///   invalid argument, `MP_STATUS_UNSUPPORTED`) leaves no entry. A JSON string: a Windows path
///   needs its backslashes escaped (`"C:\\POS\\mppoint.db"`, or `C:/POS/mppoint.db`);
///   `mp_json_quote` writes it. Without it, no journal;
/// - `journal_retention_days` (30, 1 to 3650): how long final entries stay in the journal.
///   Older ones are dropped a bounded batch at each `mp_init_with_options`, so opening a
///   journal never stalls, whatever it holds.
///
/// `out_client` receives the client on `MP_STATUS_OK`; free it with `mp_free`.
#[no_mangle]
pub extern "C" fn mp_init_with_options(
    options_json: *const c_char,
    out_client: *mut *mut MpClient,
) -> MpStatus {
    call(|| {
        let json = unsafe { text(options_json, "options_json") }?;
        let out = Out::required(out_client, "out_client")?;
        new_client(Config::from_json(json)?, out)
    })
}

/// Frees a client and closes its connections. NULL is fine. The client must not be in use by
/// another thread, and must not be used after this call. Does not change `mp_last_error()`.
#[no_mangle]
pub extern "C" fn mp_free(client: *mut MpClient) {
    call_infallible((), || {
        if !client.is_null() {
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// Lists the client's terminals: `{"devices":[{"id","pos_id","store_id","external_pos_id",
/// "operating_mode"}],"paging":{"total","offset","limit"}}` (older answers carry only `id`
/// and `operating_mode`).
///
/// - `filters_json`: NULL for all, or an object with any of `store_id` (string), `pos_id`
///   (integer), `limit`, `offset`; other keys are `MP_STATUS_INVALID_ARGUMENT`.
/// - `out_json`: required; freed with `mp_string_free`. The Point Integration API's JSON as
///   it came; with the Orders API (`GET /terminals/v1/list`, `limit` 1 to 50, more is
///   `MP_STATUS_INVALID_ARGUMENT`) its `data.terminals` and `paging` in this same shape.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_list_devices(
    client: *mut MpClient,
    filters_json: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let filters = match unsafe { opt_text(filters_json, "filters_json") }? {
            Some(json) => DeviceFilters::from_json(json)?,
            None => DeviceFilters::default(),
        };
        let out = Out::required(out_json, "out_json")?;
        reply_to(client.list_devices(&filters)?, Some(out))
    })
}

/// Switches a terminal between `"PDV"` (takes payment intents from the POS) and
/// `"STANDALONE"`. The terminal applies the change after a restart.
///
/// - `device_id`, `mode`: required.
/// - `out_json`: optional (NULL: not wanted); `{"operating_mode": …}` (with the Orders API,
///   `PATCH /terminals/v1/setup`, also `id` and the service's answer under `raw`).
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_set_operating_mode(
    client: *mut MpClient,
    device_id: *const c_char,
    mode: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let mode = OperatingMode::parse(unsafe { text(mode, "mode") }?)?;
        reply_to(
            client.set_operating_mode(device_id, mode)?,
            Out::optional(out_json),
        )
    })
}

/// Reads the integrator's webhook settings: `{"token","webhook","is_valid_webhook"}`. `token`
/// is the secret for `mp_sign_challenge`: treat it like a password.
///
/// `out_json`: required; freed with `mp_string_free`. With the Orders API (whose webhooks are
/// configured in Mercado Pago's developer panel and signed: see `mp_verify_signature`) this
/// is `MP_STATUS_UNSUPPORTED` and nothing is sent. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_get_integrator(client: *mut MpClient, out_json: *mut *mut c_char) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let out = Out::required(out_json, "out_json")?;
        reply_to(client.integrator()?, Some(out))
    })
}

/// Registers the webhook URL (`http://` or `https://`) that receives the challenge and the
/// notifications. Then call `mp_check_webhook`. `MP_STATUS_UNSUPPORTED` with the Orders API
/// (nothing is sent). Thread-safe.
#[no_mangle]
pub extern "C" fn mp_set_webhook(client: *mut MpClient, url: *const c_char) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let url = unsafe { text(url, "url") }?;
        reply_to(client.set_webhook(url)?, None)
    })
}

/// Asks the service to validate the registered webhook: it sends
/// `GET <webhook>?challengeCode=…`, which must answer
/// `{"encrypted_challenge": <mp_sign_challenge(token, challengeCode)>}`. `MP_STATUS_OK` once
/// the webhook answered correctly. `MP_STATUS_UNSUPPORTED` with the Orders API (nothing is
/// sent). Thread-safe.
#[no_mangle]
pub extern "C" fn mp_check_webhook(client: *mut MpClient) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        reply_to(client.check_webhook()?, None)
    })
}

/// The host's callback (of either calling convention) and its context, carried into the
/// core's log sink.
struct HostLogger<F> {
    callback: F,
    user_data: *mut c_void,
}

impl<F: LogCallbackFn> HostLogger<F> {
    fn emit(&self, level: LogLevel, line: &str) {
        let line = CString::new(line.replace('\0', " ")).unwrap_or_default();
        unsafe {
            self.callback
                .invoke(self.user_data, level.into(), line.as_ptr())
        };
    }
}

// SAFETY: the host promises (point.h) that its callback and user_data may be used from any
// thread that uses the client; the library only passes them back.
unsafe impl<F> Send for HostLogger<F> {}
unsafe impl<F> Sync for HostLogger<F> {}

/// Sends the client's log lines at `min_level` and more severe (`MP_LOG_LEVEL_ERROR` 1 …
/// `MP_LOG_LEVEL_DEBUG` 4) to `callback`, with `user_data` passed back untouched. A NULL
/// `callback` turns logging off. Replaces any earlier callback; may be called while other
/// threads use the client. The callback must stay callable, and `user_data` valid, until it
/// is replaced or the client is freed.
///
/// Returns nothing: a NULL client or a `min_level` outside 1..4 leaves the logging as it was
/// and sets `mp_last_error()`; success clears it.
#[no_mangle]
pub extern "C" fn mp_set_log_callback(
    client: *mut MpClient,
    callback: MpLogCallback,
    user_data: *mut c_void,
    min_level: u32,
) {
    call_void(|| {
        let client = unsafe { self::client(client) }?;
        let level = LogLevel::from_number(min_level).ok_or_else(|| {
            Error::invalid(format!("min_level {min_level} is not a log level (1 to 4)"))
        })?;
        let sink = callback.map(|callback| {
            let host = HostLogger {
                callback,
                user_data,
            };
            Arc::new(move |level: LogLevel, line: &str| host.emit(level, line)) as crate::LogSink
        });
        client.set_logger(sink, level);
        Done::local()
    })
}

// The stdcall twins of this module's exports, for 32-bit Windows (generated by build.rs).
#[cfg(all(windows, target_arch = "x86"))]
include!(concat!(env!("OUT_DIR"), "/stdcall/client.rs"));
