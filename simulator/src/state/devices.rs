//! The terminals, as both APIs list and configure them (`/devices` of the Integration API,
//! `/terminals/v1` of the Orders API), and whether one is free to take a sale.

use super::Store;
use crate::errors::ApiError;
use crate::model::device::Device;
use crate::requests::OperatingMode;

#[derive(Debug, Clone, Default)]
pub(crate) struct DeviceFilter {
    pub store_id: Option<String>,
    pub pos_id: Option<i64>,
}

impl Store {
    pub(crate) fn list_devices(&self, filter: &DeviceFilter) -> Vec<&Device> {
        self.devices
            .iter()
            .filter(|d| filter.store_id.as_deref().is_none_or(|s| d.store_id == s))
            .filter(|d| filter.pos_id.is_none_or(|p| d.pos_id == p))
            .collect()
    }

    pub(crate) fn device(&self, device_id: &str) -> Result<&Device, ApiError> {
        self.devices
            .iter()
            .find(|d| d.id == device_id)
            .ok_or_else(|| ApiError::not_found("device not found"))
    }

    pub(crate) fn set_mode(
        &mut self,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<(), ApiError> {
        let device = self
            .devices
            .iter_mut()
            .find(|d| d.id == device_id)
            .ok_or_else(|| ApiError::not_found("device not found"))?;
        device.mode = mode;
        Ok(())
    }

    /// Whether the terminal holds an unfinished intent, refund or order (of either API).
    pub(super) fn device_busy(&self, device_id: &str) -> bool {
        self.intents.active_on(device_id) || self.orders.active_on(device_id)
    }
}
