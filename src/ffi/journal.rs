//! The journal's exports: recovery after a crash, acknowledging what the POS recorded, and
//! what holds a terminal.

use std::ffi::c_void;
use std::os::raw::c_char;
use std::time::Duration;

use super::args::{client, text, write_text, Out, OwnedText};
use super::boundary::{call, Done};
use super::callback::{progress_of, WaitCallbackFn};
use super::intents::MpWaitCallback;
use super::types::{MpClient, MpStatus};
use crate::Client;

/// Settles, after a crash, every sale and refund of the journal (`journal_path` of
/// `mp_init_with_options`) whose process has ended, and says what became of each ticket.
/// Call it at start-up, before taking new sales; `mp_recover_with_progress` is the same with
/// a progress callback.
///
/// - `timeout_ms`: how long it may wait, in all, for sales still on a terminal (the customer
///   may be paying); 0 reads each once.
/// - `out_json`: required, freed with `mp_string_free`:
///   `{"sales":[entry…],"tickets":[{"ticket","verdict","payment_id","payment_ids",
///   "entries":[entry…]}]}`.
///
/// **Act per ticket, never per entry.** One ticket of the POS (its `external_reference`; a
/// refund belongs to its sale's ticket; an entry without a reference is a ticket of its own,
/// named by its key) may have several entries: a busy terminal refused the first try, a
/// rejected card was tried again, a refund followed. `tickets` groups every entry the journal
/// has of each ticket in the report (acknowledged ones too) under one `verdict`:
/// - `"paid"`: one approved payment, `payment_id`: record the ticket paid; never sell it again;
/// - `"not_paid"`: every attempt is final and none was approved; nothing is payable: the
///   ticket may be sold again;
/// - `"pending"`: something of it is not settled (still on a terminal after `timeout_ms`, no
///   network, or followed by a process that still runs): neither sell it again nor give it
///   up; call `mp_recover` again;
/// - `"paid_twice"`: two or more approved payments not refunded (`payment_ids`; a POS bug or a
///   second POS can cause it, this library never does): refund all but one;
/// - `"refunded"`: it was paid and every approved payment was refunded;
/// - `"check_terminal"`: an attempt ended `CONFIRMATION_REQUIRED`: look at the terminal (or
///   read `payment_id` with `mp_get_payment` when known) before selling again or handing over
///   the goods.
///
/// `sales` (0.3's list, in 0.3's words) holds the entries this call settled or reports: those
/// of ended processes still unfinished, and their final ones of the last 24 hours not yet
/// acknowledged, oldest first. 0.3 knew no `refused`: there a refused create is
/// `never_created`, with `"refused": true` (false on every other entry); the tickets' entries
/// say `refused`. An entry: `idempotency_key`, `intent_id` (the intent, order or
/// refund id; null when the service has nothing for it — a `never_created` entry whose
/// resend made an object, cancelled at once, carries that object's id), `kind` (`"sale"` or
/// `"refund"`), `device_id`, `amount` (minor units; a refund's: what it refunds, when known),
/// `external_reference` (a refund carries its sale's), `ticket`, `payment_id` (a sale's
/// payment number; a refund's refunded payment: the number, or the order id with the Orders
/// API), `state` (the `MpIntentState` name), `payment` (the normalised payment, as in
/// `mp_intent_status`, or null), `acknowledged` (0.4: true/false), `created_at_ms` (Unix
/// ms) and `resolution`, for sales and refunds alike:
/// - `"finished"`: it reached a final state by itself: read `state` and `payment` (a sale:
///   hand over the goods only on `payment.state` `approved`; a refund: `FINISHED` means the
///   money went back);
/// - `"canceled"`: it was still `OPEN` (the customer never saw it) and recovery (or
///   `mp_device_clear`) cancelled it: nothing was paid or refunded;
/// - `"never_created"`: the service never had it (the process ended before the create left,
///   or a read found no such object); nothing was paid or refunded;
/// - `"refused"`: the service refused the create (a busy terminal, a 4xx): nothing was made;
/// - `"pending"`: it could not be settled now (still on a terminal, no network, a busy
///   terminal): call `mp_recover` again.
///
/// How it settles each: a sale with an id is read, and waited on while it is on the
/// terminal; one whose create's answer was lost is sent again with its idempotency key (which
/// returns it if the service made it, and makes it once if not, then cancels it at once).
/// Recovery never creates a second charge and never leaves a payable sale behind. Sales of
/// processes that still run (another POS process on the same journal, or this one) are left
/// alone. Entries settled before are reported again as they were, without a request, so
/// calling it twice gives the same answer — until the POS acknowledges them
/// (`mp_acknowledge_report`), after which they are no longer reported. Its cost follows what
/// is reported, not the journal's size.
///
/// `MP_STATUS_INVALID_ARGUMENT` on a client without a journal; `MP_STATUS_JOURNAL` if the
/// journal cannot be read or written. Works with both APIs: each entry is settled with the
/// API it was made with. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_recover(
    client: *mut MpClient,
    timeout_ms: u32,
    out_json: *mut *mut c_char,
) -> MpStatus {
    recover_export::<unsafe extern "C" fn(*mut c_void, _, *const c_char) -> i32>(
        client,
        timeout_ms,
        (None, std::ptr::null_mut()),
        out_json,
    )
}

/// `mp_recover` with a progress callback, so a start-up screen can show what it is doing and
/// let the cashier stop it.
///
/// - `callback`: optional (NULL: `mp_recover`); the shape of `MpWaitCallback`. Called before
///   each unfinished entry is settled, with its journaled state and its entry of the report
///   (the JSON object described in `mp_recover`), and after every read while recovery waits
///   for a sale on a terminal, with the state and the sale's JSON (as `mp_wait_intent` gives
///   it). Return 0 to go on; non-zero to stop: nothing more is sent, and the entries not yet
///   settled are reported `pending` (the call still returns `MP_STATUS_OK` with the report).
/// - `user_data`: passed to it untouched.
/// - `timeout_ms`, `out_json`: as in `mp_recover`.
///
/// The callback runs on the calling thread and must not call `mp_free` on the client.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_recover_with_progress(
    client: *mut MpClient,
    timeout_ms: u32,
    callback: MpWaitCallback,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> MpStatus {
    recover_export(client, timeout_ms, (callback, user_data), out_json)
}

/// The body of `mp_recover` and `mp_recover_with_progress`, with a callback of either calling
/// convention.
fn recover_export<C: WaitCallbackFn>(
    client: *mut MpClient,
    timeout_ms: u32,
    (callback, user_data): (Option<C>, *mut c_void),
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let out = Out::required(out_json, "out_json")?;
        let mut progress = progress_of(callback, user_data);
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        let report = client.recover_with_progress(timeout, &mut progress)?;
        let json = OwnedText::new(report.to_json())?;
        unsafe { write_text(out, json) };
        Done::local()
    })
}

/// Says that the POS has recorded the outcome of one journal entry (a sale or a refund, by
/// its idempotency key): `mp_recover` no longer reports it. Without acknowledgements,
/// recovery reports every final entry of an ended process for 24 hours.
///
/// - `idempotency_key`: required; the entry's `idempotency_key` (of a report, or the key the
///   POS stored with its ticket).
///
/// `MP_STATUS_NOT_FOUND` if the journal has no entry with that key;
/// `MP_STATUS_INVALID_ARGUMENT` if the entry is not settled yet (recovery must still report
/// it), or on a client without a journal. Acknowledging twice is fine. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_acknowledge(
    client: *mut MpClient,
    idempotency_key: *const c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let key = unsafe { text(idempotency_key, "idempotency_key") }?;
        client.acknowledge(key)?;
        Done::local()
    })
}

/// Acknowledges every settled entry of a report of `mp_recover`, as `mp_acknowledge` does
/// one: call it once the POS has recorded each ticket's verdict. Entries still `pending` are
/// left, and reported again; so are entries the journal no longer has.
///
/// - `report_json`: required; the `out_json` of `mp_recover` (its `sales` and its tickets'
///   `entries` are read; every entry needs `idempotency_key` and `resolution`).
///
/// `MP_STATUS_INVALID_ARGUMENT` if `report_json` is not such a report, or on a client
/// without a journal. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_acknowledge_report(
    client: *mut MpClient,
    report_json: *const c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let report = unsafe { text(report_json, "report_json") }?;
        client.acknowledge_report(report)?;
        Done::local()
    })
}

/// What holds a terminal, as the journal knows it: the unfinished sales and refunds on
/// `device_id` of every process that uses this journal file (this one and others). Sends
/// nothing.
///
/// - `device_id`: required.
/// - `out_json`: required; `{"device_id","holds":[entry…]}`, oldest first, each entry as in
///   `mp_recover`'s report plus `process_running` (true: a process still follows it — this
///   one or another; false: its process ended, `mp_recover` settles it). Freed with
///   `mp_string_free`.
///
/// An empty list means this journal has nothing unfinished there: a terminal still busy
/// holds a sale made elsewhere (another POS or journal, or on the terminal itself). The
/// Orders API has no documented call that lists a terminal's orders, so the library cannot ask
/// the service. `MP_STATUS_INVALID_ARGUMENT` on a client without a journal. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_device_holds(
    client: *mut MpClient,
    device_id: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    device_export(client, device_id, out_json, Client::device_holds)
}

/// Frees a terminal safely of what this journal has on it: each unfinished sale or refund
/// with an id is read; one still `OPEN` (the customer has not taken it) is cancelled; one
/// found final is recorded. What the terminal has taken (`ON_TERMINAL` and on: the customer
/// may be paying) is never touched, and neither is a create whose answer has not come (no id
/// yet: `mp_recover` settles those of ended processes).
///
/// - `device_id`: required.
/// - `out_json`: required; `{"device_id","free","cleared":[entry…],"holding":[entry…]}`,
///   entries as in `mp_device_holds`: `cleared` what is now final (`state` `CANCELED` for
///   what this call cancelled), `holding` what still holds the terminal (on the terminal:
///   finish or cancel it there; no id yet; unreadable now). `free` is true when nothing of
///   this journal holds it any more. Freed with `mp_string_free`.
///
/// A process waiting on a sale this call cancels sees it `CANCELED`, as after a cancel on the
/// terminal. `MP_STATUS_INVALID_ARGUMENT` on a client without a journal. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_device_clear(
    client: *mut MpClient,
    device_id: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    device_export(client, device_id, out_json, Client::device_clear)
}

/// The body of `mp_device_holds` and `mp_device_clear`.
fn device_export(
    client: *mut MpClient,
    device_id: *const c_char,
    out_json: *mut *mut c_char,
    then: fn(&Client, &str) -> crate::Result<String>,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let out = Out::required(out_json, "out_json")?;
        let json = OwnedText::new(then(client, device_id)?)?;
        unsafe { write_text(out, json) };
        Done::local()
    })
}

// The stdcall twins of this module's exports, for 32-bit Windows (generated by build.rs).
#[cfg(all(windows, target_arch = "x86"))]
include!(concat!(env!("OUT_DIR"), "/stdcall/journal.rs"));
