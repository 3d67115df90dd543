//! `include/point.h` is checked in for people who never build the crate; it must be exactly
//! what the pinned cbindgen produces from the current sources (regenerate with `make header`).

#[test]
fn checked_in_header_matches_cbindgen_output() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/point.h"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/point.h");
    let checked_in = std::fs::read_to_string(path).expect("include/point.h exists");
    assert!(
        checked_in == generated,
        "include/point.h is out of date with the sources: run `make generate` and commit it"
    );
}

#[test]
fn version_macros_match_the_crate_version() {
    let header = include_str!(concat!(env!("OUT_DIR"), "/point.h"));
    for (name, value) in [
        ("MP_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MP_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("MP_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        let line = format!("#define {name} {value}\n");
        assert!(header.contains(&line), "point.h lacks {line:?}");
    }
    assert_eq!(mppoint::version(), env!("CARGO_PKG_VERSION"));
}
