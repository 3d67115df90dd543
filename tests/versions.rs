//! The version is written once, in Cargo.toml; everything that states it takes it from there.
//! This reads each checked-in place that carries it and checks it says the crate's version.
//! (The wheel, the NuGet package and `mppoint.pc` are made from the same sources at build
//! time; their own tests check the version they carry.)

use std::path::Path;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAJOR: &str = env!("CARGO_PKG_VERSION_MAJOR");
const MINOR: &str = env!("CARGO_PKG_VERSION_MINOR");
const PATCH: &str = env!("CARGO_PKG_VERSION_PATCH");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .replace("\r\n", "\n")
}

/// Each line must be in the file; the message says which file to fix and how.
fn assert_lines(path: &str, lines: &[String]) {
    let text = read(path);
    for line in lines {
        assert!(
            text.lines().any(|l| l.trim() == line.trim()),
            "{path} lacks the line {line:?}: its version is not the crate's {VERSION} \
             (generated files: run `make generate`)"
        );
    }
}

#[test]
fn the_header_states_the_crate_version() {
    assert_lines(
        "include/point.h",
        &[
            format!("#define MP_VERSION_MAJOR {MAJOR}"),
            format!("#define MP_VERSION_MINOR {MINOR}"),
            format!("#define MP_VERSION_PATCH {PATCH}"),
            format!("#define MP_VERSION \"{VERSION}\""),
        ],
    );
}

#[test]
fn the_manifest_states_the_crate_version() {
    let manifest: serde_json::Value =
        serde_json::from_str(&read("include/point.abi.json")).unwrap();
    assert_eq!(manifest["version"], VERSION, "include/point.abi.json");
    for (key, value) in [
        ("version_major", MAJOR),
        ("version_minor", MINOR),
        ("version_patch", PATCH),
    ] {
        assert_eq!(
            manifest[key].to_string(),
            value,
            "include/point.abi.json {key}"
        );
    }
}

#[test]
fn every_binding_states_the_crate_version() {
    assert_lines(
        "bindings/python/mppoint/_abi.py",
        &[
            format!("VERSION = \"{VERSION}\""),
            format!("ABI_MAJOR = {MAJOR}"),
            format!("ABI_MINOR = {MINOR}"),
        ],
    );
    assert_lines(
        "bindings/dotnet/MpPoint.Native.cs",
        &[
            format!("public const int BindingMajor = {MAJOR};"),
            format!("public const int BindingMinor = {MINOR};"),
            format!("public const string BindingVersion = \"{VERSION}\";"),
        ],
    );
    assert_lines(
        "bindings/dotnet/MpPoint.Version.props",
        &[format!("<Version>{VERSION}</Version>")],
    );
    assert_lines(
        "bindings/delphi/MpPointApi.inc",
        &[
            format!("MP_VERSION_MAJOR = {MAJOR};"),
            format!("MP_VERSION_MINOR = {MINOR};"),
            format!("MP_VERSION_PATCH = {PATCH};"),
            format!("MP_VERSION_TEXT = '{VERSION}';"),
        ],
    );
    assert_lines(
        "bindings/vb6/MpPointApi.bas",
        &[
            format!("Public Const MP_VERSION_MAJOR As Long = {MAJOR}"),
            format!("Public Const MP_VERSION_MINOR As Long = {MINOR}"),
        ],
    );
}

#[test]
fn the_package_descriptions_take_the_version_from_the_generated_files() {
    // A literal version in either would drift from the crate's.
    let pyproject = read("bindings/python/pyproject.toml");
    assert!(
        pyproject.contains("dynamic = [\"version\"]")
            && pyproject.contains("version = { attr = \"mppoint._abi.VERSION\" }")
            && !pyproject
                .lines()
                .any(|l| l.starts_with("version =") && !l.contains("attr")),
        "bindings/python/pyproject.toml must take its version from mppoint._abi.VERSION"
    );
    let csproj = read("bindings/dotnet/MpPoint.csproj");
    assert!(
        csproj.contains("<Import Project=\"MpPoint.Version.props\" />")
            && !csproj.contains("<Version>"),
        "bindings/dotnet/MpPoint.csproj must take its version from MpPoint.Version.props"
    );
}

#[test]
fn the_changelog_describes_the_crate_version() {
    let changelog = read("CHANGELOG.md");
    let first = changelog
        .lines()
        .filter_map(|l| l.strip_prefix("## ["))
        .filter_map(|l| l.split(']').next())
        .next()
        .expect("CHANGELOG.md has a `## [X.Y.Z]` section per version");
    assert_eq!(
        first, VERSION,
        "the newest version in CHANGELOG.md is not the crate's: add a `## [{VERSION}]` section \
         (or bump Cargo.toml)"
    );
}

#[test]
fn the_tool_has_the_library_version() {
    // `mppoint --version` is the library's version: the tool and the library ship together.
    assert_lines("cli/Cargo.toml", &[format!("version = \"{VERSION}\"")]);
}
