//! The Orders API's ids: a three-letter prefix (`ORD` for an order, `PAY` for its payment
//! transaction, `REF` for a refund) and 26 characters of a ULID — a 48-bit millisecond
//! timestamp and 80 random bits in Crockford's base 32, as in `ORD01J67CQQH5904WDBVZEM4JMEP3`.
//!
//! Written here rather than taken from the `ulid` crate: it is one base-32 encoding of a
//! 128-bit number, and the randomness comes from `uuid`, which the simulator already uses.

/// Crockford's base-32 alphabet (no I, L, O, U), as ULIDs use it.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters after the prefix.
const ULID_LEN: usize = 26;

/// `prefix` + a new ULID made at `epoch_ms`.
pub(crate) fn new_id(prefix: &str, epoch_ms: i64) -> String {
    let random = uuid::Uuid::new_v4().as_u128() & ((1u128 << 80) - 1);
    let time = u128::from(u64::try_from(epoch_ms).unwrap_or(0) & ((1u64 << 48) - 1));
    format!("{prefix}{}", encode((time << 80) | random))
}

fn encode(value: u128) -> String {
    (0..ULID_LEN)
        .rev()
        .map(|n| char::from(CROCKFORD[((value >> (5 * n)) & 31) as usize]))
        .collect()
}

/// Whether `id` is `prefix` followed by 26 ULID characters (upper case, as they are made).
pub(crate) fn is_id(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == ULID_LEN && rest.bytes().all(|b| CROCKFORD.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_ulids() {
        let id = new_id("ORD", 1_700_000_000_000);
        assert_eq!(id.len(), 29, "{id}");
        assert!(is_id("ORD", &id), "{id}");
        assert!(!is_id("PAY", &id));
        // The timestamp is the first ten characters, so ids sort by creation time.
        assert!(new_id("ORD", 1_700_000_000_001)[..13] >= id[..13]);
        assert_ne!(new_id("ORD", 0), new_id("ORD", 0));
        assert_eq!(encode(0), "0".repeat(26));
        assert_eq!(encode(u128::MAX), format!("7{}", "Z".repeat(25)));
        for bad in [
            "ORD01J67CQQH5904WDBVZEM4JMEP",
            "ORD01J67CQQH5904WDBVZEM4JMEP33",
            "ord01J67CQQH5904WDBVZEM4JMEP3",
            "ORD01J67CQQH5904WDBVZEM4JMEPI",
            "ORD01j67CQQH5904WDBVZEM4JMEP3",
            "",
        ] {
            assert!(!is_id("ORD", bad), "{bad}");
        }
        assert!(is_id("ORD", "ORD01J67CQQH5904WDBVZEM4JMEP3"));
    }
}
