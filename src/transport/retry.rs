//! The retry policy: how long to pause before the next attempt of a call.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use ureq::http::Response;
use ureq::Body;

/// Longest pause a `Retry-After` may impose: a cashier is waiting.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// `Retry-After` in seconds (the HTTP-date form is rare enough to fall back to backoff).
pub(super) fn retry_after(response: &Response<Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// Exponential backoff with jitter (so eight tills don't retry in lockstep), or the server's
/// `Retry-After` when it gave one.
pub(super) fn backoff(retries: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(wait) = retry_after {
        return wait;
    }
    let full = BACKOFF_BASE
        .saturating_mul(1 << retries.min(16))
        .min(BACKOFF_MAX);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(retries);
    // Somewhere between half and all of the full delay, in whole microseconds.
    let per_mille = 500 + (hasher.finish() % 501) as u32;
    full * per_mille / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_honours_retry_after() {
        for retries in 0..6 {
            let d = backoff(retries, None);
            let full = BACKOFF_BASE.saturating_mul(1 << retries).min(BACKOFF_MAX);
            assert!(d >= full / 2 && d <= full, "{d:?} vs {full:?}");
        }
        assert_eq!(
            backoff(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }
}
