//! The integrator's settings of the Integration API (`/integrators`): the webhook HMAC
//! secret, the webhook URL and whether `POST /integrators/check` has proved it.

use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub(crate) struct Integrator {
    /// The webhook HMAC secret.
    pub token: String,
    /// Empty while none is configured, as the real service reports it.
    pub webhook: String,
    pub is_valid_webhook: bool,
}

impl Integrator {
    pub(super) fn new(token: String) -> Integrator {
        Integrator {
            token,
            webhook: String::new(),
            is_valid_webhook: false,
        }
    }

    /// `GET /integrators`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "token": self.token,
            "webhook": self.webhook,
            "is_valid_webhook": self.is_valid_webhook,
        })
    }

    /// `PATCH /integrators`: re-sending the URL already set keeps its validation; a new one
    /// must be checked.
    pub(crate) fn set_webhook(&mut self, url: String) {
        if self.webhook != url {
            self.webhook = url;
            self.is_valid_webhook = false;
        }
    }

    /// `url` answered the check: it is valid if it is still the webhook (it may have
    /// changed while the check was in flight). Whether it is.
    pub(crate) fn checked(&mut self, url: &str) -> bool {
        let current = self.webhook == url;
        if current {
            self.is_valid_webhook = true;
        }
        current
    }
}
