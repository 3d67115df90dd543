//! mppoint's C ABI, read once from the sources and written out for everyone who needs it.
//!
//! `build.rs` of mppoint calls [`generate`]: it parses `src/ffi` with syn and returns
//!
//! - the ABI manifest (`include/point.abi.json`): every export with its C types and 32-bit
//!   stdcall byte count, every enum with its values, the callback and opaque types;
//! - from the manifest, the raw declarations of every binding (Python ctypes prototypes, C#
//!   `DllImport`s, Delphi `external`s in both conventions, VB6 `Declare`s), the Windows `.def`
//!   files, and the C declarations the Rust tests use (see [`Generated::files`]);
//! - Rust code the crate includes: the stdcall twins of the exports and the tables of the C
//!   enums.
//!
//! The generated files are checked in; `make generate` rewrites them and `tests/abi.rs` fails
//! when one is out of date.

mod delphi;
mod dotnet;
pub mod manifest;
pub mod modules;
mod parse;
mod python;
mod rust;
mod vb6;
mod windows;

use std::path::Path;

pub use manifest::Manifest;

/// Where the manifest is checked in, beside the header.
pub const MANIFEST_PATH: &str = "include/point.abi.json";

pub struct Generated {
    pub manifest: Manifest,
    /// `(path relative to the crate, text)` of every checked-in generated file, the manifest
    /// first.
    pub files: Vec<(String, String)>,
    /// `(module, code)`: the stdcall twins of each module of `src/ffi` (`$OUT_DIR/stdcall/`).
    pub stdcall_twins: Vec<(String, String)>,
    /// The `impl` blocks of the C enums (`$OUT_DIR/ffi_enums.rs`, included by `types.rs`).
    pub enum_tables: String,
}

/// Reads `<crate_dir>/src/ffi` and generates everything. `version` is the crate's.
pub fn generate(crate_dir: &Path, version: &str) -> Result<Generated, String> {
    let ffi = parse::read_ffi(&crate_dir.join("src").join("ffi"))?;
    let numbers: Vec<u32> = version
        .split(['.', '-', '+'])
        .take(3)
        .map(|n| {
            n.parse()
                .map_err(|_| format!("version {version:?} is not MAJOR.MINOR.PATCH"))
        })
        .collect::<Result<_, _>>()?;
    let [major, minor, patch] = numbers[..] else {
        return Err(format!("version {version:?} is not MAJOR.MINOR.PATCH"));
    };
    let manifest = Manifest {
        generated: manifest::NOTICE.to_owned(),
        version: version.to_owned(),
        version_major: major,
        version_minor: minor,
        version_patch: patch,
        opaque_types: ffi.opaque_types.clone(),
        enums: ffi.enums.clone(),
        callbacks: ffi.callbacks.clone(),
        functions: ffi.functions.clone(),
    };
    let stdcall_twins = rust::stdcall_twins(&ffi)?;
    let enum_tables = rust::enum_tables(&ffi)?;
    let files = generate_files(&manifest)?;
    Ok(Generated {
        manifest,
        files,
        stdcall_twins,
        enum_tables,
    })
}

/// Every checked-in file the manifest drives, the manifest itself first.
pub fn generate_files(m: &Manifest) -> Result<Vec<(String, String)>, String> {
    let mut files = vec![
        (MANIFEST_PATH.to_owned(), m.to_json()),
        (python::PATH.to_owned(), python::generate(m)?),
        (dotnet::PATH.to_owned(), dotnet::generate(m)?),
        (dotnet::PROPS_PATH.to_owned(), dotnet::version_props(m)),
        (delphi::PATH.to_owned(), delphi::generate(m)?),
        (vb6::PATH.to_owned(), vb6::generate(m)?),
        (
            rust::C_DECLARATIONS_PATH.to_owned(),
            rust::c_declarations(m)?,
        ),
    ];
    for (path, text) in windows::generate(m) {
        files.push((path.to_owned(), text));
    }
    Ok(files)
}

/// Checks the manifest against the header cbindgen wrote from the same sources: every
/// prototype, callback typedef and enum value the manifest holds must be in `header`, and the
/// header must declare no function the manifest lacks. So the manifest's C types are the
/// header's.
pub fn check_against_header(m: &Manifest, header: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    for f in &m.functions {
        let prototype = f.c_prototype();
        if !header.lines().any(|line| line == prototype) {
            problems.push(format!("point.h lacks `{prototype}`"));
        }
    }
    for c in &m.callbacks {
        if !header.contains(&c.c_typedef()) {
            problems.push(format!("point.h lacks `{}`", c.c_typedef()));
        }
    }
    for e in &m.enums {
        for v in &e.values {
            let line = format!("    {} = {},", v.name, v.value);
            if !header.lines().any(|l| l == line) {
                problems.push(format!("point.h lacks the enum value `{}`", line.trim()));
            }
        }
    }
    for line in header.lines() {
        let Some(open) = line.find("mp_") else {
            continue;
        };
        if !line.ends_with(");") || line.starts_with(' ') || line.starts_with('*') {
            continue;
        }
        let name: String = line[open..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if line[open + name.len()..].starts_with('(') && !m.functions.iter().any(|f| f.name == name)
        {
            problems.push(format!("the manifest lacks {name}, which point.h declares"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the ABI manifest (abi/) and cbindgen's point.h disagree:\n  {}",
            problems.join("\n  ")
        ))
    }
}
