//! Idempotency keys: the caller's, checked, or a fresh UUID v4.

use crate::error::{Error, Result};

/// A fresh key (a UUID v4).
pub(crate) fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A key goes into a header: visible ASCII only, and short enough for any gateway.
pub(crate) fn validate_idempotency_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(Error::invalid(
            "idempotency key must be 1 to 128 visible ASCII characters (a UUID is ideal)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_must_fit_a_header() {
        assert!(validate_idempotency_key("0b7c5a2e-3c1d-4f7e-9a51-2d8c1e0f9b3a").is_ok());
        assert!(validate_idempotency_key("").is_err());
        assert!(validate_idempotency_key("a b").is_err());
        assert!(validate_idempotency_key("a\nb").is_err());
        assert!(validate_idempotency_key(&"k".repeat(129)).is_err());
        assert!(validate_idempotency_key(&new_key()).is_ok());
    }
}
