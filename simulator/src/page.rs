//! The virtual terminal page at `/`: every simulated device drawn as a terminal with a
//! screen (intent, refund or order, amount, state, result) and its buttons (green key,
//! cards, cancel).
//!
//! The page is one static file, `page.html`, compiled into the binary so the simulator
//! stays a single self-contained executable. All of its behaviour is client-side: it polls
//! `GET /_sim/state` and sends the buttons to `POST /_sim/devices/{id}/...`, so it needs no
//! server-side rendering and reflects changes a POS makes through the API while it is open.

use crate::exchange::Reply;

/// The page, HTML with its CSS and JavaScript inline (no external resources: the simulator
/// is used offline).
const PAGE_HTML: &str = include_str!("page.html");

/// `GET /`.
pub(crate) fn page() -> Reply {
    Reply::Text {
        status: 200,
        content_type: "text/html; charset=utf-8",
        body: PAGE_HTML.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> String {
        match page() {
            Reply::Text {
                status,
                content_type,
                body,
            } => {
                assert_eq!(status, 200);
                assert_eq!(content_type, "text/html; charset=utf-8");
                body
            }
            other => panic!("GET / answered {other:?}"),
        }
    }

    #[test]
    fn page_uses_only_the_control_api_and_nothing_from_the_network() {
        let body = body();
        assert!(body.starts_with("<!DOCTYPE html>"));
        // Offline use: no CDN, no web fonts, no absolute URLs of any kind.
        for external in ["http://", "https://", "src=\"//", "href=\"//", "@import"] {
            assert!(!body.contains(external), "page refers to {external:?}");
        }
        assert!(body.contains("fetch(\"/_sim/state\""));
        assert!(body.contains("\"/_sim/devices/\" + encodeURIComponent(id)"));
    }

    #[test]
    fn page_has_every_terminal_button_and_field_tests_select_on() {
        let body = body();
        for hook in [
            "data-action=\"green-key\"",
            "data-action=\"cancel\"",
            "data-outcome=\"approved\"",
            "data-outcome=\"rejected\"",
            "data-outcome=\"reversed\"",
            "data-outcome=\"error\"",
            "data-outcome=\"confirmation_required\"",
            "data-field=\"kind\"",
            "data-field=\"amount\"",
            "data-field=\"state\"",
            "data-field=\"result\"",
            "data-field=\"error\"",
            "data-field=\"operating-mode\"",
            "root.dataset.device = id",
            "intent.kind === \"order\"",
            "data-state=\"at_terminal\"",
        ] {
            assert!(body.contains(hook), "page lacks {hook}");
        }
    }
}
