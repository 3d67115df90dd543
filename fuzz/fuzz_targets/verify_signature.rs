//! `verify_signature` and the `mp_verify_signature` export. Input: `SECRET NUL REQUEST_ID NUL
//! DATA_ID NUL TS NUL HEADER NUL CHOICES`.
//!
//! What a webhook relies on (point.h, src/webhook.rs):
//! - a header signed the documented way (hex(HMAC-SHA256(secret,
//!   "id:<data_id>;request-id:<request_id>;ts:<ts>;")), a part left out when absent or empty)
//!   is accepted, also with the time check on and `now` within the tolerance, and refused as
//!   stale outside it;
//! - any changed byte of the secret, the request id, the data id, the timestamp or the
//!   signature is refused, and so is the id passed as the request id;
//! - any header at all (`HEADER`) is answered without a crash, with INVALID_ARGUMENT and a
//!   message when refused, and no message depends on the secret;
//! - the export gives the core function's answer.
#![no_main]

use std::ffi::CString;

use libfuzzer_sys::fuzz_target;
use mppoint::{sign_challenge, verify_signature, ErrorKind};
use mppoint_fuzz::{assert_error_text, c_verify_signature, fields, status};

/// Changed copies tried per field: each is one more HMAC.
const CHANGES_PER_FIELD: usize = 4;

fuzz_target!(|data: &[u8]| {
    let f = fields(data, 6);
    let Ok(text) = f[..5]
        .iter()
        .map(|b| std::str::from_utf8(b))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    let (secret, request_id, data_id, ts, header) = (text[0], text[1], text[2], text[3], text[4]);
    let choices = f[5];
    let choice = |i: usize| choices.get(i).copied().unwrap_or(0) as usize;
    let request_id = absent_or(request_id, choice(0) & 1 == 1);
    let data_id = absent_or(data_id, choice(0) & 2 == 2);

    any_header_is_answered(secret, header, request_id, data_id, choice(1) as i64);

    if secret.is_empty() {
        assert!(verify_signature(secret, "ts=1,v1=00", None, None, 0, 0).is_err());
        return;
    }
    let v1 = sign(secret, request_id, data_id, ts);
    let signed = format!("ts={ts},v1={v1}");
    let verdict = verify_signature(secret, &signed, request_id, data_id, 0, 0);
    let ts_seconds = match timestamp_seconds(ts) {
        Some(seconds) => seconds,
        None => {
            // Not digits: the header is malformed, or (spaces, more parts) says something
            // else than what was signed.
            verdict.expect_err("a timestamp that is not a number was accepted");
            return;
        }
    };
    if let Err(e) = verdict {
        panic!("a correctly signed header was refused: {}", e.message());
    }
    same_answer_through_c(secret, &signed, request_id, data_id, 0, 0);

    // The time check, either side of `now`.
    let tolerance = 1 + (choice(2) as i64 % 600);
    let offset = (choice(3) as i64 % (2 * tolerance + 3)) - tolerance - 1;
    let now = ts_seconds.saturating_add(offset);
    if now != 0 {
        let fresh = offset.abs() <= tolerance;
        match verify_signature(secret, &signed, request_id, data_id, tolerance, now) {
            Ok(()) => assert!(
                fresh,
                "stale by {offset} s with tolerance {tolerance} s: accepted"
            ),
            Err(e) => {
                assert!(
                    !fresh,
                    "{offset} s off with tolerance {tolerance}: {}",
                    e.message()
                );
                assert!(e.message().contains("stale"), "{}", e.message());
            }
        }
    }

    let refused = |secret: &str, header: &str, request_id: Option<&str>, data_id: Option<&str>| {
        let e = verify_signature(secret, header, request_id, data_id, 0, 0)
            .expect_err("a changed signature, secret, id or timestamp was accepted");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    };
    for changed in changes(secret, choice(4)) {
        refused(&changed, &signed, request_id, data_id);
    }
    if let Some(id) = request_id.filter(|s| !s.is_empty()) {
        for changed in changes(id, choice(5)) {
            refused(secret, &signed, Some(&changed), data_id);
        }
    }
    if let Some(id) = data_id.filter(|s| !s.is_empty()) {
        for changed in changes(id, choice(6)) {
            refused(secret, &signed, request_id, Some(&changed));
        }
        if request_id.is_none_or(str::is_empty) {
            refused(secret, &signed, Some(id), None);
        }
    }
    for changed in changes(ts, choice(7)) {
        refused(
            secret,
            &format!("ts={changed},v1={v1}"),
            request_id,
            data_id,
        );
    }
    for i in positions(v1.len(), choice(8)) {
        let mut hex = v1.clone().into_bytes();
        let nibble = (hex[i] as char).to_digit(16).unwrap();
        hex[i] = char::from_digit((nibble + 1) % 16, 16).unwrap() as u8;
        let changed = String::from_utf8(hex).unwrap();
        refused(
            secret,
            &format!("ts={ts},v1={changed}"),
            request_id,
            data_id,
        );
    }
});

/// `None` for an empty `s` when `as_null` (NULL and `""` are documented to mean the same).
fn absent_or(s: &str, as_null: bool) -> Option<&str> {
    (!(s.is_empty() && as_null)).then_some(s)
}

/// The documented manifest, signed with the library's own HMAC (`sign_challenge` is
/// hex(HMAC-SHA256(key, message)), checked against RFC 4231 in its tests).
fn sign(secret: &str, request_id: Option<&str>, data_id: Option<&str>, ts: &str) -> String {
    let mut manifest = String::new();
    if let Some(id) = data_id.filter(|s| !s.is_empty()) {
        manifest.push_str(&format!("id:{id};"));
    }
    if let Some(id) = request_id.filter(|s| !s.is_empty()) {
        manifest.push_str(&format!("request-id:{id};"));
    }
    manifest.push_str(&format!("ts:{ts};"));
    sign_challenge(secret, &manifest).expect("signing failed")
}

/// The header's timestamp in seconds, as documented: digits, in milliseconds from 13 digits
/// on; `None` when it is not a number the header may carry.
fn timestamp_seconds(ts: &str) -> Option<i64> {
    if ts.is_empty() || ts.len() > 19 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = ts.parse().ok()?;
    i64::try_from(if n >= 100_000_000_000 { n / 1000 } else { n }).ok()
}

/// Up to `CHANGES_PER_FIELD` positions below `len`, spread from `seed`.
fn positions(len: usize, seed: usize) -> impl Iterator<Item = usize> {
    let count = len.min(CHANGES_PER_FIELD);
    (0..count).map(move |k| (seed + k * len.div_ceil(count.max(1))) % len.max(1))
}

/// Copies of `s` with one character replaced by another: a digit by the next digit (so a
/// timestamp stays a number), anything else by a letter (a NUL never: C cannot pass one).
fn changes(s: &str, seed: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    positions(chars.len(), seed)
        .map(|i| {
            let mut changed = chars.clone();
            changed[i] = match chars[i] {
                d @ '0'..='9' => char::from_digit((d.to_digit(10).unwrap() + 1) % 10, 10).unwrap(),
                'a' => 'b',
                _ => 'a',
            };
            changed.into_iter().collect()
        })
        .collect()
}

/// Any header: no crash, a refusal is INVALID_ARGUMENT with a message, the same message with
/// another secret, and the export agrees.
fn any_header_is_answered(
    secret: &str,
    header: &str,
    request_id: Option<&str>,
    data_id: Option<&str>,
    now: i64,
) {
    let tolerance = now % 7;
    let first = verify_signature(secret, header, request_id, data_id, tolerance, now);
    if let Err(e) = &first {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(!e.message().is_empty());
        if !secret.is_empty() {
            let other = format!("{secret}-other");
            if let Err(e2) = verify_signature(&other, header, request_id, data_id, tolerance, now) {
                assert_eq!(e.message(), e2.message(), "a message depends on the secret");
            }
        }
    }
    same_answer_through_c(secret, header, request_id, data_id, tolerance, now);
}

fn same_answer_through_c(
    secret: &str,
    header: &str,
    request_id: Option<&str>,
    data_id: Option<&str>,
    tolerance: i64,
    now: i64,
) {
    let c = |s: &str| CString::new(s).expect("fields hold no NUL");
    let (request_id, data_id) = (request_id.map(c), data_id.map(c));
    let out = c_verify_signature(
        &c(secret),
        &c(header),
        request_id.as_ref(),
        data_id.as_ref(),
        tolerance,
        now,
    );
    assert_error_text(&out);
    let core = verify_signature(
        secret,
        header,
        request_id.as_ref().map(|s| s.to_str().unwrap()),
        data_id.as_ref().map(|s| s.to_str().unwrap()),
        tolerance,
        now,
    );
    match core {
        Ok(()) => assert_eq!(out.status, status::OK, "{}", out.error),
        Err(e) => {
            assert_eq!(out.status, status::INVALID_ARGUMENT);
            assert_eq!(out.error, e.message());
        }
    }
}
