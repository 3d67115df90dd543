//! Import cycles between a crate's modules, found with syn (`make lint` runs it on every crate
//! of the workspace through the `module-cycles` binary).
//!
//! Two modules that use each other cannot be understood, tested or moved one without the
//! other, and rustc accepts such cycles silently; a re-export at the crate root hides them
//! (`wait.rs` saying `use crate::Client` depends on `client.rs`, whatever `lib.rs` looks
//! like). This pass makes them visible and keeps new ones out.
//!
//! # The rule
//!
//! For every module, take the graph among its direct children, each child standing for its
//! whole subtree: child `a` depends on child `b` when code anywhere in `a`'s subtree refers to
//! an item defined anywhere in `b`'s subtree. A cycle in any of these graphs fails the check.
//! A reference is each leaf of a `use`, each path in the code (types, expressions, patterns,
//! bounds, `impl` headers) and each path in a macro's arguments; it counts for the module
//! that *defines* what it names, followed through every re-export.
//!
//! Not an edge:
//!
//! - A module using its parent or another ancestor (`use super::*`, `use super::Store`,
//!   `crate::Context` defined in `main.rs`), or its own descendants. The parent's own items
//!   are no node of the graph: a `mod.rs` that holds the shared type and calls into its
//!   children, whose `impl`s use that type, is the ordinary shape of a Rust module. And one
//!   node for all of a parent's items would chain unrelated items into false cycles: in the
//!   simulator, `handlers/integration.rs` uses `pace` from `mod.rs`, `mod.rs`'s `dispatch`
//!   calls `orders`, and `orders` calls `integration`; one node for `mod.rs` would make that
//!   a cycle, though `pace` needs neither.
//! - A re-export (`pub use`, `pub(crate) use`): a facade passes the name on and depends on
//!   nothing by doing so; who uses the name through it depends on the definition.
//! - `#[cfg(test)]` modules and items, unless [`Options::tests`] (`--tests`): a unit test
//!   may build whatever it tests with (`config`'s tests make a `Client`), and the test
//!   build's references are not the crate's structure.
//! - Other crates. Each root file (`lib.rs`, `main.rs`, `bin/*.rs`) is a crate of its own; a
//!   binary uses its library through the library's name, from outside.
//!
//! The pass reads syntax, not types: a method call names no module and is not seen (the
//! `use` of its trait is), and a name is looked up in the module's scope without local
//! variables shadowing it, which can only add an edge the module's imports already make.

mod graph;
mod refs;
mod scope;
mod tree;

use std::fs;
use std::path::{Path, PathBuf};

pub use graph::{Cycle, Step};
pub use tree::Reader;

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Count `#[cfg(test)]` modules and items too.
    pub tests: bool,
}

/// The crate root files in a source directory: `lib.rs`, `main.rs`, `bin/<name>.rs` and
/// `bin/<name>/main.rs`. An error when there is none.
pub fn crate_roots(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| path.is_file())
        .collect();
    if let Ok(entries) = fs::read_dir(dir.join("bin")) {
        let mut bins: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter_map(|path| match path.extension() {
                _ if path.is_dir() => Some(path.join("main.rs")),
                Some(ext) if ext == "rs" => Some(path),
                _ => None,
            })
            .filter(|path| path.is_file())
            .collect();
        bins.sort();
        roots.extend(bins);
    }
    if roots.is_empty() {
        return Err(format!(
            "{}: no crate root here (lib.rs, main.rs or bin/*.rs)",
            dir.display()
        ));
    }
    Ok(roots)
}

/// The cycles of the crate whose root file is `root`, read from the disk.
pub fn check(root: &Path, options: Options) -> Result<Vec<Cycle>, String> {
    check_with(root, &|path| fs::read_to_string(path), options)
}

/// The cycles of the crate whose root file is `root`, its files read by `read`.
pub fn check_with(root: &Path, read: Reader, options: Options) -> Result<Vec<Cycle>, String> {
    let krate = tree::load(root, read)?;
    let scopes = scope::Scopes::new(&krate, options.tests);
    let references = refs::collect(&krate, &scopes, options.tests);
    Ok(graph::cycles(&krate, root, &references))
}

#[cfg(test)]
mod tests;
