//! `POST /integrators/check`: proves the integrator owns the webhook URL by asking it to
//! sign a random challenge with the integrator token (HMAC-SHA256), as the real service
//! does before it sends notifications there.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const TIMEOUT: Duration = Duration::from_secs(5);

fn keyed_mac(token: &str, challenge: &str) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(token.as_bytes()).expect("HMAC accepts any key");
    mac.update(challenge.as_bytes());
    mac
}

/// Checks a webhook's answer in constant time. `Err` says what was wrong with it.
pub(crate) fn verify_answer(token: &str, challenge: &str, body: &str) -> Result<(), String> {
    let json: Value = serde_json::from_str(body).map_err(|_| {
        "webhook answer is not JSON: expected {\"encrypted_challenge\": \"<hex>\"}".to_string()
    })?;
    let answer = json
        .get("encrypted_challenge")
        .and_then(Value::as_str)
        .ok_or("webhook answer has no encrypted_challenge string")?;
    let well_formed = answer.len() == 64
        && answer
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    if !well_formed {
        return Err("encrypted_challenge must be 64 lower-case hex digits".into());
    }
    let answer = hex::decode(answer).map_err(|e| format!("encrypted_challenge: {e}"))?;
    keyed_mac(token, challenge)
        .verify_slice(&answer)
        .map_err(|_| {
            "encrypted_challenge does not match HMAC-SHA256(integrator token, challengeCode)".into()
        })
}

/// The URL the challenge is sent to: the webhook with `challengeCode` added to its query.
pub(crate) fn challenge_url(webhook: &str, challenge: &str) -> String {
    let separator = if webhook.contains('?') { '&' } else { '?' };
    format!("{webhook}{separator}challengeCode={challenge}")
}

/// The HTTP client for calls to the integrator's webhook: statuses are answers, not errors; a
/// redirect is not the answer the protocol asks for; and, the simulator being an offline tool,
/// a stray HTTP_PROXY in the environment must not send a loopback webhook call through a proxy.
pub(crate) fn webhook_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .build()
        .into()
}

/// Sends the challenge to `webhook` and checks the answer. Called without the state lock
/// held: it may wait up to the timeout.
pub(crate) fn check(webhook: &str, token: &str) -> Result<(), String> {
    // Hex, so it needs no escaping in the query.
    let challenge = uuid::Uuid::new_v4().simple().to_string();
    let mut response = webhook_agent(TIMEOUT)
        .get(challenge_url(webhook, &challenge))
        .call()
        .map_err(|e| format!("webhook unreachable: {e}"))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("webhook answered HTTP {status}, expected 200"));
    }
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("could not read the webhook answer: {e}"))?;
    verify_answer(token, challenge.as_str(), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `hex(HMAC-SHA256(key = token, msg = challenge))`, what a correct webhook answers.
    fn encrypted_challenge(token: &str, challenge: &str) -> String {
        hex::encode(keyed_mac(token, challenge).finalize().into_bytes())
    }

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            encrypted_challenge("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verifies() {
        let good = encrypted_challenge("tok", "abc");
        assert_eq!(
            verify_answer(
                "tok",
                "abc",
                &format!(r#"{{"encrypted_challenge":"{good}"}}"#)
            ),
            Ok(())
        );
        let wrong = encrypted_challenge("other", "abc");
        for body in [
            format!(r#"{{"encrypted_challenge":"{wrong}"}}"#),
            format!(r#"{{"encrypted_challenge":"{}"}}"#, good.to_uppercase()),
            format!(r#"{{"encrypted_challenge":"{}"}}"#, &good[..62]),
            r#"{"challenge":"x"}"#.to_string(),
            good.clone(),
        ] {
            assert!(verify_answer("tok", "abc", &body).is_err(), "{body}");
        }
    }

    #[test]
    fn url() {
        assert_eq!(
            challenge_url("http://h/w", "ab"),
            "http://h/w?challengeCode=ab"
        );
        assert_eq!(
            challenge_url("http://h/w?x=1", "ab"),
            "http://h/w?x=1&challengeCode=ab"
        );
    }
}
