//! `json_get` and the `mp_json_get` export. Input: `PATH NUL JSON`.
//!
//! What a caller relies on (point.h, src/json_path.rs): no input crashes; a failure is
//! NOT_FOUND (the path is not in the document) or INVALID_ARGUMENT (not JSON, an empty path
//! segment, text that is not UTF-8), with a message; every value of a document can be read by
//! its dotted path and comes out as documented, a string unquoted and anything else as compact
//! JSON that reads back as the same value; the export returns what the core function does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mppoint::{json_get, ErrorKind};
use mppoint_fuzz::{assert_error_text, c_json_get, c_string, fields, status};
use serde_json::Value;

/// At most this many values of one document are read back by their paths (each read parses
/// the whole document again).
const MAX_READS: usize = 16;

fuzz_target!(|data: &[u8]| {
    let parts = fields(data, 2);
    let (path, json) = (c_string(parts[0]), c_string(parts[1]));
    let c = c_json_get(&json, &path);
    assert_error_text(&c);
    let (Ok(path), Ok(json)) = (path.to_str(), json.to_str()) else {
        assert_eq!(c.status, status::INVALID_ARGUMENT, "text that is not UTF-8");
        return;
    };

    let found = json_get(json, path);
    match &found {
        Ok(value) if value.contains('\0') => {
            // A string holding U+0000 cannot be a C string: refused with a message.
            assert_eq!(c.status, status::INVALID_ARGUMENT, "{}", c.error);
        }
        Ok(value) => assert_eq!(c.out_text(), Some(value.as_str())),
        Err(e) => {
            let want = match e.kind() {
                ErrorKind::NotFound => status::NOT_FOUND,
                ErrorKind::InvalidArgument => status::INVALID_ARGUMENT,
                other => panic!("json_get failed with {other:?}: {}", e.message()),
            };
            assert_eq!(c.status, want);
            assert_eq!(c.error, e.message().replace('\0', " "));
        }
    }

    let Ok(root) = serde_json::from_str::<Value>(json) else {
        assert_eq!(found.unwrap_err().kind(), ErrorKind::InvalidArgument);
        return;
    };
    assert_eq!(
        json_get(json, "").as_deref().ok(),
        Some(render(&root).as_str())
    );
    let mut addressable = Vec::new();
    collect(&root, String::new(), &mut addressable);
    let step = addressable.len().div_ceil(MAX_READS).max(1);
    for (path, node) in addressable.iter().step_by(step) {
        let got = json_get(json, path)
            .unwrap_or_else(|e| panic!("{path:?} is in the document but: {}", e.message()));
        assert_eq!(got, render(node), "value at {path:?}");
        if !node.is_string() {
            let back: Value = serde_json::from_str(&got)
                .unwrap_or_else(|e| panic!("{path:?} gave {got:?}, which is not JSON: {e}"));
            assert_eq!(
                &back, *node,
                "{path:?} does not read back as the same value"
            );
        }
    }
});

/// What the header says a value comes out as.
fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every value below `node` that a dotted path can name (keys that are empty or hold a dot
/// cannot be), with its path, up to a bound that keeps huge documents fast.
fn collect<'a>(node: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    if out.len() >= 256 {
        return;
    }
    let child = |segment: &str| {
        if path.is_empty() {
            segment.to_owned()
        } else {
            format!("{path}.{segment}")
        }
    };
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                if !key.is_empty() && !key.contains('.') {
                    let p = child(key);
                    out.push((p.clone(), value));
                    collect(value, p, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                let p = child(&i.to_string());
                out.push((p.clone(), value));
                collect(value, p, out);
            }
        }
        _ => {}
    }
}
