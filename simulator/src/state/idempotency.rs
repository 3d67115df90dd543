//! `X-Idempotency-Key` records: which object a key created (so a replay returns it), and
//! per-key counters that let tests prove no duplicate was made.

use std::collections::HashMap;

use serde_json::{json, Value};

/// What a request with a key did; a later request with the key must do the same to replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    CreateIntent,
    CreateRefund,
    CreateOrder,
    CancelOrder,
    RefundOrder,
}

impl Operation {
    /// Whether it makes an object (a cancel makes none), for `intents_created`.
    fn makes_object(self) -> bool {
        self != Operation::CancelOrder
    }
}

/// What a key did.
#[derive(Debug, Clone)]
pub(super) struct Created {
    pub operation: Operation,
    /// The device (Integration API creates) or the order (cancel, refund) it acted on;
    /// empty for an order's creation.
    pub target: String,
    /// The request body, compared as JSON (key order doesn't matter) on a replay.
    pub body: Value,
    /// The intent, refund or order it made or acted on.
    pub object_id: String,
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    /// Requests that carried the key: creates of intents, refunds and orders, and order
    /// cancels and refunds.
    requests: u64,
    /// Objects actually created with it: intents, refund intents, orders and order refunds
    /// (0 or 1: later requests replay or are refused).
    created: u64,
    record: Option<Created>,
}

impl Entry {
    fn to_json(&self) -> Value {
        json!({"key": self.key, "requests": self.requests, "intents_created": self.created})
    }
}

/// Keys in the order first seen.
#[derive(Debug, Default)]
pub(crate) struct IdempotencyBook {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl IdempotencyBook {
    fn entry(&mut self, key: &str) -> &mut Entry {
        let at = match self.index.get(key) {
            Some(&at) => at,
            None => {
                self.entries.push(Entry {
                    key: key.to_string(),
                    requests: 0,
                    created: 0,
                    record: None,
                });
                self.index.insert(key.to_string(), self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        &mut self.entries[at]
    }

    /// Counts a create request carrying `key`, whatever its fate.
    pub(super) fn count_request(&mut self, key: &str) {
        self.entry(key).requests += 1;
    }

    pub(super) fn created_with(&self, key: &str) -> Option<&Created> {
        self.index
            .get(key)
            .and_then(|&at| self.entries[at].record.as_ref())
    }

    /// Whether a request with `key` already made something: a request with it now is a
    /// replay, answered `200 OK` with what it made (the first one is `201 Created`), which
    /// is how a client tells a create it made from one it finds.
    pub(crate) fn has_made(&self, key: Option<&str>) -> bool {
        key.is_some_and(|k| self.created_with(k).is_some())
    }

    pub(super) fn remember(&mut self, key: &str, created: Created) {
        let entry = self.entry(key);
        entry.created += u64::from(created.operation.makes_object());
        entry.record = Some(created);
    }

    /// `GET /_sim/idempotency/{key}`: `{"key", "requests", "intents_created"}`; zeros for a
    /// key never seen.
    pub(crate) fn counters_json(&self, key: &str) -> Value {
        match self.index.get(key) {
            Some(&at) => self.entries[at].to_json(),
            None => json!({"key": key, "requests": 0, "intents_created": 0}),
        }
    }

    /// Every key's counters, in the order first seen.
    pub(crate) fn all_json(&self) -> Vec<Value> {
        self.entries.iter().map(Entry::to_json).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_in_first_seen_order() {
        let mut book = IdempotencyBook::default();
        assert_eq!(
            book.counters_json("k"),
            json!({"key": "k", "requests": 0, "intents_created": 0})
        );
        book.count_request("b");
        book.count_request("a");
        book.count_request("b");
        assert!(book.created_with("b").is_none());
        book.remember(
            "b",
            Created {
                operation: Operation::CreateIntent,
                target: "D".into(),
                body: json!({"amount": 1500}),
                object_id: "i".into(),
            },
        );
        assert_eq!(book.created_with("b").unwrap().object_id, "i");
        assert_eq!(
            book.all_json(),
            [
                json!({"key": "b", "requests": 2, "intents_created": 1}),
                json!({"key": "a", "requests": 1, "intents_created": 0}),
            ]
        );
    }
}
