//! Many keep-alive clients at once, as the library's test-suite drives it.

mod common;

use std::sync::{Arc, Barrier};

use common::*;
use serde_json::json;

const CLIENTS: usize = 8;
const ROUNDS: usize = 25;

#[test]
fn parallel_clients_get_consistent_answers() {
    let api = Api::start(600_000);
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let base_url = api.sim.base_url();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let client = Client::new(base_url);
                barrier.wait();
                // All clients race for the same device: exactly one may win.
                let created = client
                    .create(CAJA1, &json!({ "amount": 1500 + n as i64 }))
                    .status;
                for _ in 0..ROUNDS {
                    let devices = client.get("/devices?limit=2");
                    assert_eq!(devices.status, 200, "{}", devices.raw);
                    assert_eq!(devices.body["paging"]["total"], 3);
                    assert_eq!(client.get("/integrators").status, 200);
                }
                created
            })
        })
        .collect();
    let mut statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    statuses.sort();
    let mut expected = vec![201];
    expected.extend([409; CLIENTS - 1]);
    assert_eq!(statuses, expected);
}
