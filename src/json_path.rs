//! `json_get`: one value out of a JSON text by a dotted path, for hosts (VB6, Clarion, COBOL)
//! that have no JSON parser of their own.

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// Looks up `path` (`"payment.id"`, `"devices.0.id"`; numeric segments index arrays) and
/// returns strings unquoted, numbers, booleans and `null` as text, objects and arrays as
/// compact JSON. An empty path returns the whole document. A missing path is `NotFound`.
pub fn json_get(json: &str, path: &str) -> Result<String> {
    let root: Value =
        serde_json::from_str(json).map_err(|e| Error::invalid(format!("not JSON: {e}")))?;
    let segments: Vec<&str> = if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    };
    if segments.iter().any(|s| s.is_empty()) {
        return Err(Error::invalid(format!(
            "path {path:?} has an empty segment"
        )));
    }
    let mut node = &root;
    for segment in segments {
        let next = match node {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        node = next.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("path {path:?} is not in the JSON (at {segment:?})"),
            )
        })?;
    }
    Ok(match node {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"devices":[{"id":"A","n":1},{"id":"B"}],"payment":{"id":"123","ok":true,"x":null,"amount":15.0}}"#;

    #[test]
    fn values_come_out_as_text() {
        assert_eq!(json_get(DOC, "devices.1.id").unwrap(), "B");
        assert_eq!(json_get(DOC, "devices.0.n").unwrap(), "1");
        assert_eq!(json_get(DOC, "payment.ok").unwrap(), "true");
        assert_eq!(json_get(DOC, "payment.x").unwrap(), "null");
        assert_eq!(json_get(DOC, "payment.amount").unwrap(), "15.0");
        assert_eq!(json_get(DOC, "devices.0").unwrap(), r#"{"id":"A","n":1}"#);
        assert_eq!(json_get(r#""s""#, "").unwrap(), "s");
        // Payments API amounts are decimals: they come out exactly as the service wrote them.
        assert_eq!(json_get(r#"{"a":15.10}"#, "a").unwrap(), "15.10");
        assert_eq!(
            json_get(r#"{"a":18308029193}"#, "a").unwrap(),
            "18308029193"
        );
    }

    #[test]
    fn missing_paths_are_not_found_and_bad_input_is_invalid() {
        for path in [
            "devices.2.id",
            "payment.nope",
            "devices.x",
            "payment.id.deeper",
        ] {
            assert_eq!(
                json_get(DOC, path).unwrap_err().kind(),
                ErrorKind::NotFound,
                "{path}"
            );
        }
        assert_eq!(
            json_get("{", "a").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            json_get(DOC, "a..b").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}
