//! The route table: every method and path the simulator answers, in one list — the Point
//! Integration API under `/point/integration-api`, the Orders API (`/v1/orders`,
//! `/terminals/v1`) and the other Mercado Pago routes at their real paths, and the
//! simulator's own control surface (`/` and `/_sim/...`).
//!
//! A path is split into percent-decoded segments and compared with each pattern in table
//! order (`{}` takes any one non-empty segment), so a literal segment listed first wins over
//! a placeholder. A path that some pattern matches with another method is a 405 naming
//! every method the path takes; a path no pattern matches is a 404.

use tiny_http::Method;

use crate::errors::ApiError;
use crate::query::percent_decode;

/// The simulator's own surface, never part of the real service.
pub(crate) const CONTROL_PREFIX: &str = "/_sim";

/// Who a route belongs to, which decides authentication, faults and the error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// The Point Integration API and the other Mercado Pago routes (`/v1/payments`,
    /// `/users/test_user`): Bearer token, faults, errors as `{message, error, status, cause}`.
    Integration,
    /// The Orders API: Bearer token, faults, errors as `{"errors": [{code, message}]}` (a
    /// flat `{code, message}` for 401).
    Orders,
    /// The control API and the page: no token, never faulted, errors as the Integration API's.
    Control,
}

/// A terminal button of the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Button {
    GreenKey,
    Card,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    ListDevices,
    PatchDevice {
        device_id: String,
    },
    CreateIntent {
        device_id: String,
    },
    CancelIntent {
        device_id: String,
        intent_id: String,
    },
    GetIntent {
        intent_id: String,
    },
    LastEvent {
        intent_id: String,
    },
    EventsByDate,
    GetIntegrator,
    PatchIntegrator,
    CheckIntegrator,
    CreateRefund {
        device_id: String,
    },
    CancelRefund {
        device_id: String,
        refund_id: String,
    },
    GetRefund {
        refund_id: String,
    },
    GetPayment {
        payment_id: String,
    },
    CreateTestUser,
    ListTerminals,
    SetupTerminals,
    CreateOrder,
    GetOrder {
        order_id: String,
    },
    CancelOrder {
        order_id: String,
    },
    RefundOrder {
        order_id: String,
    },
    OrderEvent {
        order_id: String,
    },
    Page,
    SimState,
    Press {
        device_id: String,
        button: Button,
    },
    IdempotencyAll,
    IdempotencyKey {
        key: String,
    },
    ListFaults,
    AddFault,
    ClearFaults,
    RemoveFault {
        id: String,
    },
    ListWebhooks,
    ClearWebhooks,
}

/// The segments a pattern's `{}` took, in order.
struct Captured(std::vec::IntoIter<String>);

impl Captured {
    fn next(&mut self) -> String {
        // The table is checked by a test: every builder takes as many as its pattern has.
        self.0.next().unwrap_or_default()
    }
}

struct Entry {
    method: &'static str,
    pattern: &'static str,
    build: fn(&mut Captured) -> Route,
}

const fn entry(
    method: &'static str,
    pattern: &'static str,
    build: fn(&mut Captured) -> Route,
) -> Entry {
    Entry {
        method,
        pattern,
        build,
    }
}

/// Every route. Order matters only where a literal segment and a `{}` could both match:
/// the literal comes first.
const TABLE: &[Entry] = &[
    // The Point Integration API.
    entry("GET", "/point/integration-api/devices", |_| {
        Route::ListDevices
    }),
    entry("PATCH", "/point/integration-api/devices/{}", |c| {
        Route::PatchDevice {
            device_id: c.next(),
        }
    }),
    entry(
        "POST",
        "/point/integration-api/devices/{}/payment-intents",
        |c| Route::CreateIntent {
            device_id: c.next(),
        },
    ),
    entry(
        "DELETE",
        "/point/integration-api/devices/{}/payment-intents/{}",
        |c| Route::CancelIntent {
            device_id: c.next(),
            intent_id: c.next(),
        },
    ),
    entry(
        "GET",
        "/point/integration-api/payment-intents/events",
        |_| Route::EventsByDate,
    ),
    entry("GET", "/point/integration-api/payment-intents/{}", |c| {
        Route::GetIntent {
            intent_id: c.next(),
        }
    }),
    entry(
        "GET",
        "/point/integration-api/payment-intents/{}/events",
        |c| Route::LastEvent {
            intent_id: c.next(),
        },
    ),
    entry("GET", "/point/integration-api/integrators", |_| {
        Route::GetIntegrator
    }),
    entry("PATCH", "/point/integration-api/integrators", |_| {
        Route::PatchIntegrator
    }),
    entry("POST", "/point/integration-api/integrators/check", |_| {
        Route::CheckIntegrator
    }),
    entry("POST", "/point/integration-api/devices/{}/refund", |c| {
        Route::CreateRefund {
            device_id: c.next(),
        }
    }),
    entry(
        "DELETE",
        "/point/integration-api/devices/{}/refund/{}",
        |c| Route::CancelRefund {
            device_id: c.next(),
            refund_id: c.next(),
        },
    ),
    entry("GET", "/point/integration-api/refund/{}", |c| {
        Route::GetRefund {
            refund_id: c.next(),
        }
    }),
    // Other Mercado Pago routes, at their real paths.
    entry("GET", "/v1/payments/{}", |c| Route::GetPayment {
        payment_id: c.next(),
    }),
    entry("POST", "/users/test_user", |_| Route::CreateTestUser),
    // The Orders API for Point.
    entry("GET", "/terminals/v1/list", |_| Route::ListTerminals),
    entry("PATCH", "/terminals/v1/setup", |_| Route::SetupTerminals),
    entry("POST", "/v1/orders", |_| Route::CreateOrder),
    entry("GET", "/v1/orders/{}", |c| Route::GetOrder {
        order_id: c.next(),
    }),
    entry("POST", "/v1/orders/{}/cancel", |c| Route::CancelOrder {
        order_id: c.next(),
    }),
    entry("POST", "/v1/orders/{}/refund", |c| Route::RefundOrder {
        order_id: c.next(),
    }),
    entry("POST", "/v1/orders/{}/events", |c| Route::OrderEvent {
        order_id: c.next(),
    }),
    // The simulator's own surface.
    entry("GET", "/", |_| Route::Page),
    entry("GET", "/_sim/state", |_| Route::SimState),
    entry("POST", "/_sim/devices/{}/green-key", |c| Route::Press {
        device_id: c.next(),
        button: Button::GreenKey,
    }),
    entry("POST", "/_sim/devices/{}/card", |c| Route::Press {
        device_id: c.next(),
        button: Button::Card,
    }),
    entry("POST", "/_sim/devices/{}/cancel", |c| Route::Press {
        device_id: c.next(),
        button: Button::Cancel,
    }),
    entry("GET", "/_sim/idempotency", |_| Route::IdempotencyAll),
    entry("GET", "/_sim/idempotency/{}", |c| Route::IdempotencyKey {
        key: c.next(),
    }),
    entry("GET", "/_sim/faults", |_| Route::ListFaults),
    entry("POST", "/_sim/faults", |_| Route::AddFault),
    entry("DELETE", "/_sim/faults", |_| Route::ClearFaults),
    entry("DELETE", "/_sim/faults/{}", |c| Route::RemoveFault {
        id: c.next(),
    }),
    entry("GET", "/_sim/webhooks", |_| Route::ListWebhooks),
    entry("DELETE", "/_sim/webhooks", |_| Route::ClearWebhooks),
];

/// Whether a request path belongs to the simulator's own surface rather than an API (such
/// a path is never authenticated nor faulted, whether or not a route matches it).
pub(crate) fn is_control_path(path: &str) -> bool {
    path == "/" || path == CONTROL_PREFIX || path.starts_with("/_sim/")
}

/// The family a path belongs to, routed or not: it decides the shape of every error,
/// a 404 or a fault's included.
pub(crate) fn family_of(path: &str) -> Family {
    if is_control_path(path) {
        Family::Control
    } else if path == "/v1/orders"
        || path.starts_with("/v1/orders/")
        || path.starts_with("/terminals/")
    {
        Family::Orders
    } else {
        Family::Integration
    }
}

/// Percent-decoded path segments (none for `/`); `None` if one is empty or doesn't decode.
fn segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    rest.split('/')
        .map(|s| percent_decode(s, false).filter(|s| !s.is_empty()))
        .collect()
}

/// The segments the `{}` of `pattern` take from `segments`, if it matches.
fn captures(pattern: &str, segments: &[String]) -> Option<Vec<String>> {
    let parts: Vec<&str> = pattern
        .strip_prefix('/')
        .unwrap_or(pattern)
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut taken = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        match *part {
            "{}" => taken.push(segment.clone()),
            literal if literal == segment => {}
            _ => return None,
        }
    }
    Some(taken)
}

/// Matches the path part of a request target. Unknown paths give 404, known paths with
/// another method 405 (with the methods they accept, for the `Allow` header).
pub(crate) fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let not_found = || ApiError::not_found(format!("route not found: {path}"));
    let segments = segments(path).ok_or_else(not_found)?;
    let mut allowed: Vec<&str> = Vec::new();
    for entry in TABLE {
        let Some(taken) = captures(entry.pattern, &segments) else {
            continue;
        };
        if entry.method == method.as_str() {
            return Ok((entry.build)(&mut Captured(taken.into_iter())));
        }
        if !allowed.contains(&entry.method) {
            allowed.push(entry.method);
        }
    }
    if allowed.is_empty() {
        Err(not_found())
    } else {
        Err(ApiError::method_not_allowed(allowed.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "/point/integration-api";

    fn at(method: Method, rest: &str) -> Result<Route, u16> {
        route(&method, &format!("{PREFIX}{rest}")).map_err(|e| e.status)
    }

    #[test]
    fn every_builder_takes_what_its_pattern_captures() {
        for entry in TABLE {
            let holes = entry.pattern.matches("{}").count();
            let given: Vec<String> = (0..holes).map(|n| format!("s{n}")).collect();
            let mut captured = Captured(given.clone().into_iter());
            let built = format!("{:?}", (entry.build)(&mut captured));
            assert!(captured.0.next().is_none(), "{} left some", entry.pattern);
            for value in &given {
                assert!(built.contains(value), "{}: {built}", entry.pattern);
            }
            assert!(
                ["GET", "POST", "PATCH", "DELETE"].contains(&entry.method),
                "{}",
                entry.pattern
            );
        }
    }

    #[test]
    fn matches() {
        assert_eq!(at(Method::Get, "/devices"), Ok(Route::ListDevices));
        assert_eq!(
            at(Method::Delete, "/devices/D%5F1/payment-intents/abc"),
            Ok(Route::CancelIntent {
                device_id: "D_1".into(),
                intent_id: "abc".into()
            })
        );
        assert_eq!(
            at(Method::Get, "/payment-intents/events"),
            Ok(Route::EventsByDate)
        );
        assert_eq!(
            at(Method::Get, "/payment-intents/x/events"),
            Ok(Route::LastEvent {
                intent_id: "x".into()
            })
        );
        assert_eq!(
            at(Method::Patch, "/integrators"),
            Ok(Route::PatchIntegrator)
        );
        assert_eq!(
            at(Method::Post, "/integrators/check"),
            Ok(Route::CheckIntegrator)
        );
    }

    #[test]
    fn matches_refunds_payments_and_test_users() {
        assert_eq!(
            at(Method::Post, "/devices/D/refund"),
            Ok(Route::CreateRefund {
                device_id: "D".into()
            })
        );
        assert_eq!(
            at(Method::Delete, "/devices/D/refund/r1"),
            Ok(Route::CancelRefund {
                device_id: "D".into(),
                refund_id: "r1".into()
            })
        );
        assert_eq!(
            at(Method::Get, "/refund/r1"),
            Ok(Route::GetRefund {
                refund_id: "r1".into()
            })
        );
        assert_eq!(
            route(&Method::Get, "/v1/payments/20000000001"),
            Ok(Route::GetPayment {
                payment_id: "20000000001".into()
            })
        );
        assert_eq!(
            route(&Method::Post, "/users/test_user"),
            Ok(Route::CreateTestUser)
        );
        let status = |method, path: &str| route(&method, path).map_err(|e| e.status);
        assert_eq!(status(Method::Post, "/v1/payments/1"), Err(405));
        assert_eq!(status(Method::Get, "/users/test_user"), Err(405));
        assert_eq!(status(Method::Get, "/v1/payments/"), Err(404));
        assert_eq!(status(Method::Get, "/v1/payments/1/x"), Err(404));
        assert_eq!(status(Method::Get, "/v1/payments"), Err(404));
        assert_eq!(status(Method::Post, "/users/test_user/x"), Err(404));
        assert_eq!(at(Method::Get, "/devices/D/refund"), Err(405));
        assert_eq!(
            route(&Method::Get, &format!("{PREFIX}/v1/payments/1"))
                .unwrap_err()
                .status,
            404
        );
    }

    #[test]
    fn matches_the_control_surface() {
        assert_eq!(route(&Method::Get, "/"), Ok(Route::Page));
        assert_eq!(
            route(&Method::Post, "/_sim/devices/D%20/card"),
            Ok(Route::Press {
                device_id: "D ".into(),
                button: Button::Card
            })
        );
        assert_eq!(
            route(&Method::Get, "/_sim/idempotency/a%20b"),
            Ok(Route::IdempotencyKey { key: "a b".into() })
        );
        let allow = |method, path: &str| route(&method, path).unwrap_err().allow;
        assert_eq!(
            allow(Method::Put, "/_sim/faults").as_deref(),
            Some("GET, POST, DELETE")
        );
        assert_eq!(
            allow(Method::Post, "/_sim/webhooks").as_deref(),
            Some("GET, DELETE")
        );
        assert_eq!(allow(Method::Post, "/").as_deref(), Some("GET"));
        for path in [
            "/_sim",
            "/_sim/",
            "/_sim/devices/D/red-key",
            "/_sim/nothing",
        ] {
            assert_eq!(route(&Method::Get, path).unwrap_err().status, 404, "{path}");
        }
        assert!(is_control_path("/") && is_control_path("/_sim"));
        assert!(!is_control_path("/_simulator") && !is_control_path("/v1/payments/1"));
        assert_eq!(family_of("/"), Family::Control);
        assert_eq!(family_of(&format!("{PREFIX}/devices")), Family::Integration);
    }

    #[test]
    fn matches_the_orders_api() {
        assert_eq!(route(&Method::Post, "/v1/orders"), Ok(Route::CreateOrder));
        assert_eq!(
            route(&Method::Post, "/v1/orders/ORD1/refund"),
            Ok(Route::RefundOrder {
                order_id: "ORD1".into()
            })
        );
        assert_eq!(
            route(&Method::Get, "/v1/orders/ORD1"),
            Ok(Route::GetOrder {
                order_id: "ORD1".into()
            })
        );
        assert_eq!(
            route(&Method::Get, "/v1/orders")
                .unwrap_err()
                .allow
                .as_deref(),
            Some("POST")
        );
        assert_eq!(
            route(&Method::Get, "/v1/orders/ORD1/cancel")
                .unwrap_err()
                .status,
            405
        );
        assert_eq!(
            route(&Method::Post, "/terminals/v1/setup")
                .unwrap_err()
                .allow
                .as_deref(),
            Some("PATCH")
        );
        assert_eq!(
            route(&Method::Get, "/terminals/v1/list"),
            Ok(Route::ListTerminals)
        );
        assert_eq!(family_of("/terminals/v1/list"), Family::Orders);
        assert_eq!(family_of("/v1/orders"), Family::Orders);
        assert_eq!(family_of("/v1/orders/x/y/z"), Family::Orders);
        assert_eq!(family_of("/terminals/v2"), Family::Orders);
        assert_eq!(family_of("/v1/ordersx"), Family::Integration);
        assert_eq!(family_of("/v1/payments/1"), Family::Integration);
        assert_eq!(family_of("/_sim/state"), Family::Control);
    }

    #[test]
    fn rejects() {
        assert_eq!(at(Method::Post, "/devices"), Err(405));
        assert_eq!(at(Method::Put, "/integrators"), Err(405));
        assert_eq!(
            route(&Method::Put, &format!("{PREFIX}/integrators"))
                .unwrap_err()
                .allow
                .as_deref(),
            Some("GET, PATCH")
        );
        assert_eq!(at(Method::Get, "/devices/"), Err(404));
        assert_eq!(at(Method::Get, "/devices//payment-intents"), Err(404));
        assert_eq!(at(Method::Get, "/nothing"), Err(404));
        assert_eq!(at(Method::Get, ""), Err(404));
        assert_eq!(at(Method::Get, "/devices/%FF"), Err(404));
        assert_eq!(route(&Method::Get, "/devices").unwrap_err().status, 404);
        assert_eq!(
            route(&Method::Get, "/point/integration-apix/devices")
                .unwrap_err()
                .status,
            404
        );
    }
}
