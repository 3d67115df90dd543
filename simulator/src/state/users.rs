//! `POST /users/test_user`: test accounts, as Mercado Pago makes them for integrators.

use serde_json::{json, Value};

use super::Store;

/// First id of a test user; later ones count up from it.
const FIRST_USER_ID: u64 = 1_200_000_001;

impl Store {
    /// A new test account (the site is validated by the caller).
    pub(crate) fn create_test_user(&mut self) -> Value {
        let id = FIRST_USER_ID + self.users_made;
        self.users_made += 1;
        let password: String = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        json!({
            "id": id,
            "nickname": format!("TESTUSER{id}"),
            "password": format!("qatest{password}"),
            "site_status": "active",
            "email": format!("test_user_{id}@testuser.com"),
        })
    }
}
