//! Which operation a method and path name. The Point Integration API lives under
//! [`PREFIX`]; two routes of the wider Mercado Pago API the simulator also answers live at
//! their real paths: `/v1/payments/{id}` and `/users/test_user`.

use tiny_http::Method;

use crate::errors::ApiError;
use crate::query::percent_decode;

pub(crate) const PREFIX: &str = "/point/integration-api";

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
}

/// Percent-decoded path segments; `None` if one is empty or doesn't decode.
fn segments(rest: &str) -> Option<Vec<String>> {
    rest.split('/')
        .map(|s| percent_decode(s, false).filter(|s| !s.is_empty()))
        .collect()
}

fn only(
    method: &Method,
    allowed: &'static str,
    wanted: Method,
    route: Route,
) -> Result<Route, ApiError> {
    if *method == wanted {
        Ok(route)
    } else {
        Err(ApiError::method_not_allowed(allowed))
    }
}

/// The routes outside [`PREFIX`], at the real service's paths.
fn other_api(method: &Method, path: &str) -> Option<Result<Route, ApiError>> {
    if path == "/users/test_user" {
        return Some(only(method, "POST", Method::Post, Route::CreateTestUser));
    }
    let segs = segments(path.strip_prefix("/v1/payments/")?)?;
    match segs.as_slice() {
        [payment_id] => Some(only(
            method,
            "GET",
            Method::Get,
            Route::GetPayment {
                payment_id: payment_id.clone(),
            },
        )),
        _ => None,
    }
}

/// Matches the path part of a request target (segments are percent-decoded). Unknown paths give 404, known paths with another method
/// 405 (with the methods they accept).
pub(crate) fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let not_found = || ApiError::not_found(format!("route not found: {path}"));
    if let Some(found) = other_api(method, path) {
        return found;
    }
    let rest = path
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(not_found)?;
    let segments = segments(rest).ok_or_else(not_found)?;
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let only = |allowed, wanted, route| only(method, allowed, wanted, route);
    match segs.as_slice() {
        ["devices"] => only("GET", Method::Get, Route::ListDevices),
        ["devices", device_id] => only(
            "PATCH",
            Method::Patch,
            Route::PatchDevice {
                device_id: device_id.to_string(),
            },
        ),
        ["devices", device_id, "payment-intents"] => only(
            "POST",
            Method::Post,
            Route::CreateIntent {
                device_id: device_id.to_string(),
            },
        ),
        ["devices", device_id, "payment-intents", intent_id] => only(
            "DELETE",
            Method::Delete,
            Route::CancelIntent {
                device_id: device_id.to_string(),
                intent_id: intent_id.to_string(),
            },
        ),
        // Before the `{id}` arm: "events" is not an intent id.
        ["payment-intents", "events"] => only("GET", Method::Get, Route::EventsByDate),
        ["payment-intents", intent_id] => only(
            "GET",
            Method::Get,
            Route::GetIntent {
                intent_id: intent_id.to_string(),
            },
        ),
        ["payment-intents", intent_id, "events"] => only(
            "GET",
            Method::Get,
            Route::LastEvent {
                intent_id: intent_id.to_string(),
            },
        ),
        ["integrators"] => match method {
            Method::Get => Ok(Route::GetIntegrator),
            Method::Patch => Ok(Route::PatchIntegrator),
            _ => Err(ApiError::method_not_allowed("GET, PATCH")),
        },
        ["integrators", "check"] => only("POST", Method::Post, Route::CheckIntegrator),
        ["devices", device_id, "refund"] => only(
            "POST",
            Method::Post,
            Route::CreateRefund {
                device_id: device_id.to_string(),
            },
        ),
        ["devices", device_id, "refund", refund_id] => only(
            "DELETE",
            Method::Delete,
            Route::CancelRefund {
                device_id: device_id.to_string(),
                refund_id: refund_id.to_string(),
            },
        ),
        ["refund", refund_id] => only(
            "GET",
            Method::Get,
            Route::GetRefund {
                refund_id: refund_id.to_string(),
            },
        ),
        _ => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(method: Method, rest: &str) -> Result<Route, u16> {
        route(&method, &format!("{PREFIX}{rest}")).map_err(|e| e.status)
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
    fn rejects() {
        assert_eq!(at(Method::Post, "/devices"), Err(405));
        assert_eq!(at(Method::Put, "/integrators"), Err(405));
        assert_eq!(at(Method::Get, "/devices/"), Err(404));
        assert_eq!(at(Method::Get, "/devices//payment-intents"), Err(404));
        assert_eq!(at(Method::Get, "/nothing"), Err(404));
        assert_eq!(at(Method::Get, ""), Err(404));
        assert_eq!(route(&Method::Get, "/devices").unwrap_err().status, 404);
        assert_eq!(
            route(&Method::Get, "/point/integration-apix/devices")
                .unwrap_err()
                .status,
            404
        );
    }
}
