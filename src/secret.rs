//! The access tokens of the clients alive in this process, and [`redact`]: the one function
//! every text the library hands out goes through (every `Error`'s message and body when it is
//! made, every log line when it is written, every excerpt before it is cut).
//!
//! Redaction used to run where a failed request was retried, so a text built anywhere else
//! (an answer found not to be JSON after the request had succeeded, say) kept the token a
//! server echoed back; and an excerpt cut before redaction kept the part of the token before
//! the cut. Doing it where texts are made, with every live token, leaves no such path: no
//! `Error` and no log line can hold a token, whichever client or code path produced it.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

/// What a token is replaced with.
pub(crate) const MARK: &str = "[REDACTED]";

/// The shortest start of a token that is redacted on its own (a text cut inside a token, or a
/// server that cut it itself). A shorter one says nothing about the secret part: every token
/// starts with the public `TEST-` or `APP_USR-`.
const MIN_PART: usize = 6;

static LIVE: RwLock<Vec<Arc<str>>> = RwLock::new(Vec::new());

/// Keeps a client's token on the list for as long as the client lives.
pub(crate) struct Registration(Arc<str>);

impl Registration {
    pub(crate) fn new(token: &str) -> Registration {
        let token: Arc<str> = Arc::from(token);
        write_live().push(Arc::clone(&token));
        Registration(token)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut live = write_live();
        if let Some(i) = live.iter().position(|t| Arc::ptr_eq(t, &self.0)) {
            live.swap_remove(i);
        }
    }
}

fn write_live() -> std::sync::RwLockWriteGuard<'static, Vec<Arc<str>>> {
    LIVE.write().unwrap_or_else(|p| p.into_inner())
}

/// `text` with every live token replaced by [`MARK`], and every start of one (at least
/// [`MIN_PART`] characters of it) too.
pub(crate) fn redact(text: &str) -> Cow<'_, str> {
    let live = LIVE.read().unwrap_or_else(|p| p.into_inner());
    let mut out = Cow::Borrowed(text);
    for token in live.iter() {
        if let Cow::Owned(redacted) = redact_with(&out, token) {
            out = Cow::Owned(redacted);
        }
    }
    out
}

/// `text` with `token`, whole or its start (at least [`MIN_PART`] characters), replaced.
pub(crate) fn redact_with<'a>(text: &'a str, token: &str) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    if token.is_empty() {
        return out;
    }
    if out.contains(token) {
        out = Cow::Owned(out.replace(token, MARK));
    }
    // `get`: a token that is not ASCII (refused as a token, but quoted in that refusal)
    // may not have a character boundary there.
    if let Some(start) = token.get(..MIN_PART).filter(|_| token.len() > MIN_PART) {
        if out.contains(start) {
            out = Cow::Owned(redact_starts(&out, token));
        }
    }
    out
}

/// Replaces each run of `text` that is the first `MIN_PART` or more bytes of `token`.
fn redact_starts(text: &str, token: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&token[..MIN_PART]) {
        // (The caller checked `token` has a character boundary at MIN_PART.)
        let run = rest[at..]
            .bytes()
            .zip(token.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        out.push_str(&rest[..at]);
        out.push_str(MARK);
        // The run matched the ASCII... or any bytes of the token: step to a char boundary.
        let mut end = at + run;
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        rest = &rest[end.max(at + 1)..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_tokens_are_redacted_whole_and_in_part() {
        let token = "APP_USR-1111-secret-test-token-of-secret-module";
        let other = "TEST-2222-another-token-in-secret-module";
        let first = Registration::new(token);
        let _second = Registration::new(other);
        assert_eq!(
            redact(&format!("a {token} b {other}")),
            "a [REDACTED] b [REDACTED]"
        );
        assert_eq!(
            redact(&format!("cut here: {}", &token[..20])),
            "cut here: [REDACTED]"
        );
        assert_eq!(redact(&format!("x {}", &other[..MIN_PART])), "x [REDACTED]");
        assert_eq!(
            redact(&format!("a {} (truncated) b", &token[..15])),
            "a [REDACTED] (truncated) b"
        );
        // Fewer characters than that are not a token's start.
        let short = &token[..MIN_PART - 1];
        assert_eq!(redact(&format!("x {short} y")), format!("x {short} y"));
        assert!(matches!(redact("nothing to hide"), Cow::Borrowed(_)));
        drop(first);
        assert_eq!(
            redact(&format!("a {token}")),
            format!("a {token}"),
            "a freed client's token is no longer known"
        );
        assert_eq!(redact(other), MARK);
    }

    #[test]
    fn a_token_that_is_not_ascii_is_redacted_without_a_panic() {
        assert_eq!(
            redact_with("bad token TEST-\u{e9}x", "TEST-\u{e9}x"),
            "bad token [REDACTED]"
        );
        assert_eq!(redact_with("TEST-\u{e9}", "TEST-\u{e9}x"), "TEST-\u{e9}");
    }

    #[test]
    fn text_around_a_token_is_kept_whatever_its_characters() {
        let _live = Registration::new("TEST-3333-ñ-token-of-secret-module");
        assert_eq!(redact("señor TEST-3333-ñ-tok!"), "señor [REDACTED]!");
        assert_eq!(redact("TEST-3333-x ñ"), "[REDACTED]x ñ");
        assert_eq!(redact("ñ"), "ñ");
    }
}
