//! A POS built against 0.3 keeps working with the current library: the C interface of 0.3
//! (its manifest, checked in under `tests/compat/0.3/`) is all still there, unchanged; the
//! current one only adds to it. `make compat-test` runs the 0.3 C sample against the library.

use std::collections::BTreeMap;
use std::path::Path;

use mppoint_abi::manifest::{Callback, Enum, Function, Manifest, Param};

fn manifest(relative: &str) -> Manifest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn old() -> Manifest {
    manifest("tests/compat/0.3/point.abi.json")
}

fn new() -> Manifest {
    manifest("include/point.abi.json")
}

/// The C types of a parameter list: what the ABI is made of (names are free to change).
fn types(params: &[Param]) -> Vec<&str> {
    params.iter().map(|p| p.c_type.as_str()).collect()
}

fn by_name<T>(items: &[T], name: impl Fn(&T) -> &str) -> BTreeMap<String, &T> {
    items.iter().map(|i| (name(i).to_owned(), i)).collect()
}

#[test]
fn the_checked_in_0_3_manifest_is_0_3() {
    let old = old();
    assert_eq!(
        (old.version.as_str(), old.version_major, old.version_minor),
        ("0.3.0", 0, 3)
    );
    let header = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/compat/0.3/point.h"),
    )
    .unwrap();
    assert!(header.contains("#define MP_VERSION \"0.3.0\""));
    for f in &old.functions {
        assert!(
            header.contains(&f.c_prototype()),
            "the 0.3 header lacks the manifest's {}",
            f.c_prototype()
        );
    }
}

#[test]
fn every_0_3_function_is_still_exported_with_the_same_signature() {
    let (old, new) = (old(), new());
    let current = by_name(&new.functions, |f: &Function| &f.name);
    let mut problems = Vec::new();
    for f in &old.functions {
        let Some(now) = current.get(&f.name) else {
            problems.push(format!("{} is gone", f.name));
            continue;
        };
        if now.ret != f.ret || types(&now.params) != types(&f.params) {
            problems.push(format!(
                "{} was `{}` in 0.3 and is `{}` now",
                f.name,
                f.c_prototype(),
                now.c_prototype()
            ));
        }
        // The 32-bit stdcall twin `<name>_std@N` (VB6) is named by its argument bytes.
        if now.stdcall_bytes != f.stdcall_bytes {
            problems.push(format!(
                "{}'s stdcall bytes were {} in 0.3 and are {} now",
                f.name, f.stdcall_bytes, now.stdcall_bytes
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "0.3's functions changed:\n{}",
        problems.join("\n")
    );
    assert!(
        new.functions.len() > old.functions.len(),
        "0.4 adds functions"
    );
}

#[test]
fn every_0_3_enum_value_keeps_its_number_and_no_new_value_takes_one() {
    let (old, new) = (old(), new());
    let current = by_name(&new.enums, |e: &Enum| &e.name);
    let mut problems = Vec::new();
    for e in &old.enums {
        let Some(now) = current.get(&e.name) else {
            problems.push(format!("enum {} is gone", e.name));
            continue;
        };
        if now.c_type != e.c_type {
            problems.push(format!(
                "enum {} was {} in 0.3 and is {} now",
                e.name, e.c_type, now.c_type
            ));
        }
        let values: BTreeMap<&str, u32> = now
            .values
            .iter()
            .map(|v| (v.name.as_str(), v.value))
            .collect();
        for v in &e.values {
            match values.get(v.name.as_str()) {
                None => problems.push(format!("{} is gone", v.name)),
                Some(&n) if n != v.value => {
                    problems.push(format!("{} was {} in 0.3 and is {n} now", v.name, v.value))
                }
                Some(_) => {}
            }
        }
        let old_numbers: BTreeMap<u32, &str> = e
            .values
            .iter()
            .map(|v| (v.value, v.name.as_str()))
            .collect();
        for v in &now.values {
            if let Some(was) = old_numbers.get(&v.value) {
                if *was != v.name {
                    problems.push(format!(
                        "{} = {} is the number 0.3 gave {was}",
                        v.name, v.value
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "0.3's enums changed:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_0_3_callback_and_opaque_type_keeps_its_shape() {
    let (old, new) = (old(), new());
    let current = by_name(&new.callbacks, |c: &Callback| &c.name);
    let mut problems = Vec::new();
    for c in &old.callbacks {
        match current.get(&c.name) {
            None => problems.push(format!("callback {} is gone", c.name)),
            Some(now) if now.ret != c.ret || types(&now.params) != types(&c.params) => problems
                .push(format!(
                    "callback {} was {} ({}) in 0.3 and is {} ({}) now",
                    c.name,
                    c.ret,
                    types(&c.params).join(", "),
                    now.ret,
                    types(&now.params).join(", ")
                )),
            Some(_) => {}
        }
    }
    for o in &old.opaque_types {
        if !new.opaque_types.iter().any(|n| n.name == o.name) {
            problems.push(format!("opaque type {} is gone", o.name));
        }
    }
    assert!(
        problems.is_empty(),
        "0.3's types changed:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_version_says_only_additions() {
    let (old, new) = (old(), new());
    // Within a major version a minor release only adds; on 0.x, so does the CHANGELOG's rule
    // ("nothing is ever renumbered or removed within a major.minor", and a release that adds
    // raises the minor version).
    assert_eq!(new.version_major, old.version_major, "{}", new.version);
    assert!(
        (new.version_minor, new.version_patch) >= (old.version_minor, old.version_patch),
        "the library ({}) is older than 0.3",
        new.version
    );
}
