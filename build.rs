//! Generates the C header with cbindgen (pinned in Cargo.toml: its output changes between
//! releases, and `tests/header.rs` compares the checked-in `include/point.h` with it).
//!
//! The header is always written to `$OUT_DIR/point.h`; with `MPPOINT_WRITE_HEADER=1`
//! (`make header`) it is also written to `include/point.h`.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=MPPOINT_WRITE_HEADER");

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable and valid");
    // The version macros come from Cargo.toml, so they cannot drift from mp_version().
    let version = |part: &str| env::var(format!("CARGO_PKG_VERSION_{part}")).expect("version");
    config.after_includes = Some(format!(
        "\n/* The version this header belongs to; compare with mp_version() at run time. */\n\
         #define MP_VERSION_MAJOR {}\n#define MP_VERSION_MINOR {}\n#define MP_VERSION_PATCH {}\n\
         #define MP_VERSION \"{}\"",
        version("MAJOR"),
        version("MINOR"),
        version("PATCH"),
        env::var("CARGO_PKG_VERSION").expect("version"),
    ));

    let bindings = match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => bindings,
        Err(e) => panic!("cbindgen could not generate point.h: {e}"),
    };
    bindings.write_to_file(out_dir.join("point.h"));
    if env::var_os("MPPOINT_WRITE_HEADER").is_some_and(|v| v == "1") {
        bindings.write_to_file(crate_dir.join("include").join("point.h"));
    }
}
