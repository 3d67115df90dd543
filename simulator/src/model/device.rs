//! A virtual terminal: the devices of the Integration API and the terminals of the Orders
//! API are the same three.

use serde_json::{json, Value};

use crate::requests::OperatingMode;

#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: &'static str,
    pub pos_id: i64,
    pub store_id: &'static str,
    pub external_pos_id: &'static str,
    pub mode: OperatingMode,
}

impl Device {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "pos_id": self.pos_id,
            "store_id": self.store_id,
            "external_pos_id": self.external_pos_id,
            "operating_mode": self.mode.as_str(),
        })
    }
}

/// The virtual terminals every simulator starts with.
pub(crate) fn initial_devices() -> Vec<Device> {
    let device = |id, pos_id, store_id, external_pos_id| Device {
        id,
        pos_id,
        store_id,
        external_pos_id,
        mode: OperatingMode::Pdv,
    };
    vec![
        device(
            "PAX_A910__SMARTPOS1495357742",
            47_792_476,
            "47792478",
            "CAJA1",
        ),
        device(
            "GERTEC_MP35P__8701012051267097",
            47_792_477,
            "47792478",
            "CAJA2",
        ),
        device(
            "INGENICO_MOVE2500__ING-ARG-14886780",
            47_792_479,
            "47792480",
            "CAJA3",
        ),
    ]
}
