//! `module-cycles [--tests] DIR…`: fails on an import cycle between the modules of a crate
//! (the rule is in `mppoint_abi::modules`). Each DIR is a crate's source directory; each
//! root file in it (`lib.rs`, `main.rs`, `bin/*.rs`) is checked as a crate of its own.
//!
//! Prints each cycle with one reference per edge. Exit status: 0 without cycles, 1 with, 2
//! on a usage error or a file that cannot be read or parsed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mppoint_abi::modules::{self, Options};

const USAGE: &str = "usage: module-cycles [--tests] DIR...
  Fails on an import cycle between the modules of each crate under DIR (lib.rs, main.rs,
  bin/*.rs). --tests counts #[cfg(test)] code too.";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("module-cycles: {e}");
            ExitCode::from(2)
        }
    }
}

/// `Ok(true)` when no crate has a cycle.
fn run(args: Vec<String>) -> Result<bool, String> {
    let Some((options, dirs)) = parse_args(args)? else {
        println!("{USAGE}");
        return Ok(true);
    };
    let mut roots = Vec::new();
    for dir in &dirs {
        roots.extend(modules::crate_roots(dir)?);
    }
    let mut cycles = Vec::new();
    for root in &roots {
        cycles.extend(modules::check(root, options)?);
    }
    for cycle in &cycles {
        println!("{cycle}");
    }
    let checked = roots
        .iter()
        .map(|r| r.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if cycles.is_empty() {
        println!("module-cycles: no import cycle between modules in {checked}");
        return Ok(true);
    }
    println!(
        "module-cycles: {} import cycle{} between modules (checked {checked})",
        cycles.len(),
        if cycles.len() == 1 { "" } else { "s" }
    );
    Ok(false)
}

/// The options and directories; `None` for `--help`.
fn parse_args(args: Vec<String>) -> Result<Option<(Options, Vec<PathBuf>)>, String> {
    let mut options = Options::default();
    let mut dirs = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--tests" => options.tests = true,
            "-h" | "--help" => return Ok(None),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}\n{USAGE}")),
            dir => dirs.push(Path::new(dir).to_path_buf()),
        }
    }
    if dirs.is_empty() {
        return Err(USAGE.to_owned());
    }
    Ok(Some((options, dirs)))
}
