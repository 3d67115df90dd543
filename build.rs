//! Generates, from the sources of `src/ffi`:
//!
//! - the C header, with cbindgen (pinned in Cargo.toml: its output changes between releases);
//! - with `mppoint-abi` (`abi/`): the ABI manifest `include/point.abi.json` and everything it
//!   drives — each binding's raw declarations and enum constants, the Windows `.def` files,
//!   the C declarations of the Rust tests — and the Rust code this crate includes: the stdcall
//!   twins of the exports (`$OUT_DIR/stdcall/<module>.rs`, 32-bit Windows only) and the tables
//!   of the C enums (`$OUT_DIR/ffi_enums.rs`).
//!
//! Every checked-in file is written under `$OUT_DIR/generated/` (listed in
//! `$OUT_DIR/generated/FILES`), where `tests/header.rs` and `tests/abi.rs` compare the checked-in
//! copies with it. With `MPPOINT_WRITE_HEADER=1` (`make generate`) they are also written into
//! the source tree.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=MPPOINT_WRITE_HEADER");
    let write_tree = env::var_os("MPPOINT_WRITE_HEADER").is_some_and(|v| v == "1");
    let version = env::var("CARGO_PKG_VERSION").expect("version");

    let generated = mppoint_abi::generate(&crate_dir, &version).unwrap_or_else(|e| fail(&e));
    let stdcall_dir = out_dir.join("stdcall");
    fs::create_dir_all(&stdcall_dir).expect("create $OUT_DIR/stdcall");
    for (module, code) in &generated.stdcall_twins {
        write(&stdcall_dir.join(format!("{module}.rs")), code);
    }
    write(&out_dir.join("ffi_enums.rs"), &generated.enum_tables);

    let header = cbindgen_header(&crate_dir);
    write(&out_dir.join("point.h"), &header);
    mppoint_abi::check_against_header(&generated.manifest, &header).unwrap_or_else(|e| fail(&e));

    let mut files = vec![("include/point.h".to_owned(), header)];
    files.extend(generated.files);
    let mut list = String::new();
    for (path, text) in &files {
        write(&out_dir.join("generated").join(path), text);
        list.push_str(path);
        list.push('\n');
        if write_tree {
            write(&crate_dir.join(path), text);
        }
    }
    write(&out_dir.join("generated").join("FILES"), &list);
}

fn cbindgen_header(crate_dir: &Path) -> String {
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
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => bindings,
        Err(e) => fail(&format!("cbindgen could not generate point.h: {e}")),
    };
    let mut text = Vec::new();
    bindings.write(&mut text);
    String::from_utf8(text).expect("point.h is UTF-8")
}

/// Writes a file only when its text changed, so an unchanged file keeps its time stamp.
fn write(path: &Path, text: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())));
    }
    fs::write(path, text).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
}

fn fail(message: &str) -> ! {
    panic!("\n{message}\n")
}
