//! What the library makes of an answer: the error of a non-2xx status and its body
//! (`status_error`, `describe_body`, `excerpt` in src/http.rs), and the JSON and the state of a
//! 2xx body (`Reply::json`, and `Reply::state`, the wait loop's fast path). Input:
//! `STATUS NUL BODY`, STATUS in decimal.
//!
//! What a caller relies on: no body crashes; the status maps to the documented kind (point.h:
//! 401/403 UNAUTHORIZED, 404 NOT_FOUND, 409 the call's conflict, 429 RATE_LIMITED, other 4xx
//! API, 5xx SERVER, anything else BAD_RESPONSE); the message is one line of bounded length that
//! starts with the HTTP status and carries the service's own `message`; a 2xx body is a JSON
//! object or BAD_RESPONSE, and its state read the fast way is the state read from the tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mppoint::fuzzing::{answer_state, status_error};
use mppoint::{Error, ErrorKind, IntentState, Reply};
use mppoint_fuzz::fields;
use serde_json::Value;

/// The longest message an answer may produce, in characters: the service's words are cut to
/// an excerpt of 300 (plus "..."), and the fixed text around them is under 100.
const MAX_MESSAGE_CHARS: usize = 400;

fuzz_target!(|data: &[u8]| {
    let parts = fields(data, 2);
    let Some(status) = std::str::from_utf8(parts[0])
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
    else {
        return;
    };
    // Bodies are read as UTF-8 with invalid bytes replaced (src/http.rs `read_body`).
    let body = String::from_utf8_lossy(parts[1]).into_owned();
    let parsed = serde_json::from_str::<Value>(&body).ok();
    let object = parsed.as_ref().filter(|v| v.is_object());

    for conflict in [
        ErrorKind::Api,
        ErrorKind::DeviceBusy,
        ErrorKind::IntentLocked,
    ] {
        let e = status_error(status, body.clone(), conflict);
        let want = match status {
            401 | 403 => ErrorKind::Unauthorized,
            404 => ErrorKind::NotFound,
            409 => conflict,
            429 => ErrorKind::RateLimited,
            400..=499 => ErrorKind::Api,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::BadResponse,
        };
        assert_eq!(e.kind(), want, "HTTP {status}");
        one_bounded_line(&e, status);
        if let Some(words) = object
            .and_then(|o| o.get("message"))
            .and_then(Value::as_str)
            .filter(|m| plain_words(m))
        {
            assert!(
                e.message().contains(words),
                "the service's message {words:?} is not in {:?}",
                e.message()
            );
        }
    }

    if (200..300).contains(&status) {
        let reply = Reply {
            status,
            body: body.clone(),
            idempotency_key: None,
        };
        match (reply.json(), object) {
            (Ok(v), Some(o)) => assert_eq!(&v, o),
            (Err(e), None) => {
                assert_eq!(e.kind(), ErrorKind::BadResponse);
                one_bounded_line(&e, status);
            }
            (Ok(_), None) => panic!("json() accepted a body that is not a JSON object"),
            (Err(e), Some(_)) => panic!("json() refused a JSON object: {}", e.message()),
        }
        match (answer_state(&reply), object) {
            (Ok(state), Some(o)) => assert_eq!(state, IntentState::of_json(o), "{body}"),
            (Err(e), None) => {
                assert_eq!(e.kind(), ErrorKind::BadResponse);
                one_bounded_line(&e, status);
            }
            (Ok(state), None) => panic!("a state ({state:?}) read from a body that is no object"),
            (Err(e), Some(_)) => panic!("no state read from a JSON object: {}", e.message()),
        }
    }
});

fn one_bounded_line(e: &Error, status: u16) {
    let message = e.message();
    assert_eq!(e.http_status(), Some(status));
    assert!(
        message.starts_with(&format!("HTTP {status}: ")),
        "{message:?}"
    );
    assert!(
        !message.chars().any(char::is_control),
        "a control character in {message:?}"
    );
    let length = message.chars().count();
    assert!(
        length <= MAX_MESSAGE_CHARS,
        "a message of {length} characters"
    );
}

/// Service words that an excerpt shows as they are: short, printable, not padded.
fn plain_words(m: &str) -> bool {
    !m.is_empty() && m.chars().count() <= 200 && m.trim() == m && !m.chars().any(char::is_control)
}
