//! The objects of one kind the store holds (intents, orders), in creation order, with the
//! indexes every operation needs: by id, the ones still moving, and each terminal's
//! newest. Intents and orders are kept the same way, so they share this one type.

use std::collections::HashMap;
use std::ops::{Index, IndexMut};

use crate::model::intent::Intent;
use crate::model::order::Order;
use crate::model::schedule::Schedule;

/// What the registry reads of the objects it holds.
pub(super) trait Held {
    fn id(&self) -> &str;
    /// The terminal it was sent to.
    fn device_id(&self) -> &str;
    fn schedule(&self) -> &Schedule;
}

impl Held for Intent {
    fn id(&self) -> &str {
        &self.id
    }

    fn device_id(&self) -> &str {
        &self.device_id
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }
}

impl Held for Order {
    fn id(&self) -> &str {
        &self.id
    }

    fn device_id(&self) -> &str {
        &self.request.terminal_id
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }
}

#[derive(Debug)]
pub(super) struct Registry<T> {
    items: Vec<T>,
    by_id: HashMap<String, usize>,
    /// Indices of objects not yet final: the only ones that advance, and what makes a
    /// terminal busy. Keeps per-request work independent of how many objects exist.
    active: Vec<usize>,
    /// Each terminal's most recently created object (what its screen shows).
    latest_by_device: HashMap<String, usize>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            items: Vec::new(),
            by_id: HashMap::new(),
            active: Vec::new(),
            latest_by_device: HashMap::new(),
        }
    }
}

impl<T: Held> Registry<T> {
    /// Keeps a new, active object; returns its index.
    pub(super) fn add(&mut self, item: T) -> usize {
        let idx = self.items.len();
        self.by_id.insert(item.id().to_string(), idx);
        self.active.push(idx);
        self.latest_by_device
            .insert(item.device_id().to_string(), idx);
        self.items.push(item);
        idx
    }

    pub(super) fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The objects not yet final.
    pub(super) fn active(&self) -> &[usize] {
        &self.active
    }

    /// The object at `idx` has become final: it no longer moves nor keeps its terminal busy.
    pub(super) fn retire(&mut self, idx: usize) {
        self.active.retain(|&i| i != idx);
    }

    /// Whether the terminal holds one of these objects not yet final.
    pub(super) fn active_on(&self, device_id: &str) -> bool {
        self.active
            .iter()
            .any(|&idx| self.items[idx].device_id() == device_id)
    }

    /// The terminal's most recently created object.
    pub(super) fn latest_on(&self, device_id: &str) -> Option<usize> {
        self.latest_by_device.get(device_id).copied()
    }

    /// Every object, in creation order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }

    /// The automatic steps and deadlines of the active objects due at or before `now`:
    /// (time, creation order, whether it is the deadline, index).
    pub(super) fn due_until(&self, now: i64, step_ms: i64) -> Vec<(i64, u64, bool, usize)> {
        self.active
            .iter()
            .flat_map(|&idx| {
                let schedule = self.items[idx].schedule();
                schedule
                    .due_until(now, step_ms)
                    .into_iter()
                    .map(move |(at, deadline)| (at, schedule.seq, deadline, idx))
            })
            .collect()
    }

    /// When the next automatic step or deadline of an active object falls due.
    pub(super) fn next_due(&self, step_ms: i64) -> Option<i64> {
        self.active
            .iter()
            .filter_map(|&idx| self.items[idx].schedule().next_due(step_ms))
            .min()
    }
}

impl<T> Index<usize> for Registry<T> {
    type Output = T;

    fn index(&self, idx: usize) -> &T {
        &self.items[idx]
    }
}

impl<T> IndexMut<usize> for Registry<T> {
    fn index_mut(&mut self, idx: usize) -> &mut T {
        &mut self.items[idx]
    }
}
