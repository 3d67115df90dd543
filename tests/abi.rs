//! The files generated from the exports of `src/ffi` are checked in (the header, the ABI
//! manifest, every binding's raw declarations, the Windows `.def` files, the tests' C
//! declarations): each must be exactly what build.rs generates from the current sources.
//! Adding an export or a status is: write it with its doc comment, run `make generate`,
//! commit what changed.

use std::path::Path;

// Links the library, whose exports the generated C declarations name.
use mppoint as _;

// Every export as point.h declares it: a declaration the library does not export fails the
// link of this test (`c_abi::exports()` takes the address of each).
#[rustfmt::skip] // generated: kept exactly as build.rs writes it
#[path = "support/c_abi.rs"]
mod c_abi;

const GENERATED: &str = concat!(env!("OUT_DIR"), "/generated");

fn generated_files() -> Vec<String> {
    let list = std::fs::read_to_string(Path::new(GENERATED).join("FILES"))
        .expect("build.rs lists the generated files");
    list.lines().map(str::to_owned).collect()
}

#[test]
fn every_generated_file_is_checked_in_up_to_date() {
    let files = generated_files();
    assert!(files.len() >= 10, "build.rs generated only {files:?}");
    let mut stale = Vec::new();
    for path in &files {
        let generated = std::fs::read(Path::new(GENERATED).join(path)).expect("generated file");
        let checked_in = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path));
        if checked_in.ok().as_deref() != Some(&generated[..]) {
            stale.push(path.as_str());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with the exports in src/ffi (or missing): {}\nrun `make generate` and \
         commit the files it writes",
        stale.join(", ")
    );
}

#[test]
fn every_generated_file_says_it_is_generated_and_how_to_regenerate() {
    for path in generated_files() {
        let text = std::fs::read_to_string(Path::new(GENERATED).join(&path)).unwrap();
        let head: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
        assert!(
            head.contains("do not edit") && head.contains("Regenerate with `make"),
            "{path} does not start by saying it is generated and how to regenerate it:\n{head}"
        );
    }
}

#[test]
fn the_manifest_lists_the_exports_the_library_has() {
    let manifest: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("OUT_DIR"),
        "/generated/include/point.abi.json"
    )))
    .unwrap();
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    let functions = manifest["functions"].as_array().unwrap();
    assert!(functions.len() >= 30);
    let linked: Vec<&str> = c_abi::exports().iter().map(|(name, _)| *name).collect();
    let listed: Vec<&str> = functions
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(linked, listed);
    assert!(c_abi::exports()
        .iter()
        .all(|(_, address)| !address.is_null()));
    let version = unsafe { std::ffi::CStr::from_ptr(c_abi::mp_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    let status = manifest["enums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "MpStatus")
        .unwrap();
    for value in status["values"].as_array().unwrap() {
        let number = value["value"].as_u64().unwrap() as u32;
        let name = unsafe { std::ffi::CStr::from_ptr(c_abi::mp_status_name(number)) };
        assert_eq!(name.to_str().unwrap(), value["name"].as_str().unwrap());
    }
}
