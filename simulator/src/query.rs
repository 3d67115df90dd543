//! URL pieces: splitting the request target, percent-decoding path segments and query
//! parameters (none of the allowed dependencies expose a decoder), and the page of a list
//! that the paging parameters select.

/// Decodes `%XX` escapes; with `plus_is_space`, also `+` as in form-encoded queries.
/// Malformed escapes are kept literally. Returns `None` if the result isn't UTF-8.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                // `from_str_radix` alone would accept a sign, hence the digit check.
                let decoded = bytes
                    .get(i + 1..i + 3)
                    .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                match decoded {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Splits `path?query` into the path and the decoded query pairs. Pairs that don't decode
/// are dropped: they can't match any parameter the API reads.
pub(crate) fn split_target(target: &str) -> (&str, Vec<(String, String)>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let pairs = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(key, true)?, percent_decode(value, true)?))
        })
        .collect();
    (path, pairs)
}

/// The first value of a query parameter, treating an empty value as absent.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// The page of `items` that the `offset` and `limit` query parameters select.
pub(crate) fn page<T>(items: impl IntoIterator<Item = T>, offset: u64, limit: u64) -> Vec<T> {
    items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(percent_decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%41%4a%4A", false).as_deref(), Some("AJJ"));
        assert_eq!(percent_decode("100%", false).as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz%2", false).as_deref(), Some("%zz%2"));
        assert_eq!(percent_decode("%+1", true).as_deref(), Some("% 1"));
        assert_eq!(percent_decode("%C3%B1", false).as_deref(), Some("ñ"));
        assert_eq!(percent_decode("%FF", false), None);
    }

    #[test]
    fn splits() {
        let (path, pairs) = split_target("/x/devices?store_id=47792478&pos_id=&limit=5&flag");
        assert_eq!(path, "/x/devices");
        assert_eq!(param(&pairs, "store_id"), Some("47792478"));
        assert_eq!(param(&pairs, "pos_id"), None);
        assert_eq!(param(&pairs, "limit"), Some("5"));
        assert_eq!(param(&pairs, "flag"), None);
        assert_eq!(split_target("/y").1, Vec::new());
    }
}
