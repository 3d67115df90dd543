//! A crate's module tree, read from its root file the way rustc finds the files: `mod x;` is
//! `x.rs` or `x/mod.rs` beside a root or `mod.rs` file and under `<name>/` beside any other
//! file, `#[path = "…"]` overrides that, and `mod x { … }` is a module inside its file.
//! Every file is parsed; one that is missing or does not parse is an error, because a module
//! left out would hide its references.

use std::io;
use std::path::{Path, PathBuf};

/// How a crate's files are read: from the disk, or from a map in the tests.
pub type Reader<'a> = &'a dyn Fn(&Path) -> io::Result<String>;

pub struct Crate {
    /// The modules in the order they are declared, depth first; the root is `modules[0]`.
    pub modules: Vec<Module>,
}

pub struct Module {
    /// The name in its parent's `mod`; empty for the crate root.
    pub name: String,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// The file that holds this module's items (its parent's file for `mod x { … }`).
    pub file: PathBuf,
    pub items: Vec<syn::Item>,
    /// Under `#[cfg(test)]`, itself or through an ancestor.
    pub test: bool,
}

impl Crate {
    pub const ROOT: usize = 0;

    /// `ffi::client`, or `crate` for the root: how a module is named in a report.
    pub fn path_of(&self, id: usize) -> String {
        let mut names = Vec::new();
        let mut at = Some(id);
        while let Some(m) = at.filter(|&m| m != Self::ROOT) {
            names.push(self.modules[m].name.as_str());
            at = self.modules[m].parent;
        }
        if names.is_empty() {
            return "crate".to_owned();
        }
        names.reverse();
        names.join("::")
    }

    /// `id`, its parent, and so on up to the root.
    pub fn ancestors(&self, id: usize) -> Vec<usize> {
        let mut chain = vec![id];
        while let Some(parent) = self.modules[*chain.last().unwrap()].parent {
            chain.push(parent);
        }
        chain
    }
}

/// Where a module's `mod` declarations look for files.
struct Place {
    /// The directory of the file the declaration is in (`#[path]` outside `mod { … }`).
    file_dir: PathBuf,
    /// Where `mod x;` finds `x.rs` and `x/mod.rs` (and `#[path]` inside `mod { … }`).
    child_dir: PathBuf,
    inline: bool,
}

/// Reads the crate whose root file (`lib.rs`, `main.rs`, `bin/x.rs`) is `root_file`.
pub fn load(root_file: &Path, read: Reader) -> Result<Crate, String> {
    let items = parse(root_file, read)?.items;
    let dir = root_file.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut krate = Crate {
        modules: Vec::new(),
    };
    let root = Module {
        name: String::new(),
        parent: None,
        children: Vec::new(),
        file: root_file.to_path_buf(),
        items,
        test: false,
    };
    let place = Place {
        file_dir: dir.clone(),
        child_dir: dir,
        inline: false,
    };
    add(&mut krate, root, &place, read)?;
    Ok(krate)
}

/// Adds `module` and, recursively, the modules it declares; returns its index.
fn add(krate: &mut Crate, module: Module, place: &Place, read: Reader) -> Result<usize, String> {
    let id = krate.modules.len();
    let declared: Vec<syn::ItemMod> = module
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    let (file, test) = (module.file.clone(), module.test);
    krate.modules.push(module);
    for m in declared {
        let name = m.ident.to_string();
        let child_test = test || is_cfg_test(&m.attrs);
        let (child, child_place) = match m.content {
            Some((_, items)) => {
                let inner = Place {
                    file_dir: place.file_dir.clone(),
                    child_dir: place.child_dir.join(&name),
                    inline: true,
                };
                (module_of(&name, id, file.clone(), items, child_test), inner)
            }
            None => {
                let (path, source, inner) = find_file(&m, &name, place, &file, read)?;
                let items = parse_source(&path, &source)?.items;
                (module_of(&name, id, path, items, child_test), inner)
            }
        };
        let child_id = add(krate, child, &child_place, read)?;
        krate.modules[id].children.push(child_id);
    }
    Ok(id)
}

fn module_of(
    name: &str,
    parent: usize,
    file: PathBuf,
    items: Vec<syn::Item>,
    test: bool,
) -> Module {
    Module {
        name: name.to_owned(),
        parent: Some(parent),
        children: Vec::new(),
        file,
        items,
        test,
    }
}

/// The file of `mod name;` declared in `declared_in`, its text, and where its own `mod`s look.
fn find_file(
    m: &syn::ItemMod,
    name: &str,
    place: &Place,
    declared_in: &Path,
    read: Reader,
) -> Result<(PathBuf, String, Place), String> {
    if let Some(path) = path_attr(&m.attrs) {
        let base = if place.inline {
            &place.child_dir
        } else {
            &place.file_dir
        };
        let file = base.join(path);
        let source = read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        // A file named by #[path] owns its directory, as mod.rs does.
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        return Ok((file, source, owning(dir)));
    }
    let flat = place.child_dir.join(format!("{name}.rs"));
    let nested = place.child_dir.join(name).join("mod.rs");
    for (file, inner) in [
        (flat.clone(), place.child_dir.join(name)),
        (nested.clone(), place.child_dir.join(name)),
    ] {
        match read(&file) {
            Ok(source) => {
                let file_dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
                return Ok((
                    file,
                    source,
                    Place {
                        file_dir,
                        child_dir: inner,
                        inline: false,
                    },
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", file.display())),
        }
    }
    Err(format!(
        "{}: `mod {name};` has neither {} nor {}",
        declared_in.display(),
        flat.display(),
        nested.display()
    ))
}

fn owning(dir: PathBuf) -> Place {
    Place {
        file_dir: dir.clone(),
        child_dir: dir,
        inline: false,
    }
}

fn parse(path: &Path, read: Reader) -> Result<syn::File, String> {
    let source = read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_source(path, &source)
}

fn parse_source(path: &Path, source: &str) -> Result<syn::File, String> {
    syn::parse_file(source).map_err(|e| {
        let start = e.span().start();
        format!(
            "{}:{}:{}: {e}",
            path.display(),
            start.line,
            start.column + 1
        )
    })
}

/// `#[path = "…"]`.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// `#[cfg(test)]`, or a `cfg(all(…))` that needs `test`: the item exists only in the test
/// build.
pub fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::List(list) if list.path.is_ident("cfg") => list
            .parse_args::<syn::Meta>()
            .is_ok_and(|predicate| needs_test(&predicate)),
        _ => false,
    })
}

fn needs_test(predicate: &syn::Meta) -> bool {
    match predicate {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|all| all.iter().any(needs_test)),
        _ => false,
    }
}
