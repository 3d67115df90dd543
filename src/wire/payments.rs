//! What both APIs share without a difference: the Payments API (`/v1/payments`), which holds
//! the payment of a sale of either API, and test users (`/users/test_user`).

use serde_json::json;

use crate::error::{Error, Result};
use crate::model::validate_payment_id;
use crate::transport::{Call, Method, Reply, Transport};

/// `GET /v1/payments/{id}`, passed through as sent (its amounts are decimals).
pub(crate) fn payment(transport: &Transport, payment_id: &str) -> Result<Reply> {
    validate_payment_id(payment_id)?;
    let call = Call::new(Method::Get, format!("/v1/payments/{payment_id}"));
    let reply = transport.execute(&call)?;
    reply.json()?;
    Ok(reply)
}

/// `POST /users/test_user` for `site_id` (`"MLA"`, …).
pub(crate) fn create_test_user(transport: &Transport, site_id: &str) -> Result<Reply> {
    if site_id.len() != 3 || !site_id.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(format!(
            "site id {site_id:?} must be three capital letters such as \"MLA\""
        )));
    }
    let mut call = Call::new(Method::Post, "/users/test_user".to_string());
    call.body = Some(json!({ "site_id": site_id }));
    let reply = transport.execute(&call)?;
    reply.json()?;
    Ok(reply)
}
