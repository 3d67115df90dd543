//! The names each module has in scope, and what a path means: the module that defines the
//! item it names. Names are what the module defines, its child modules, its `use`s and its
//! glob imports, in that order of precedence (explicit names shadow globs, as in Rust). A
//! `use` is followed to the definition however many re-exports it passes through, so
//! `crate::Client` is `client::Client` when `lib.rs` says `pub use client::Client`.
//!
//! What the module tree does not define (other crates, std, the prelude, local variables and
//! generic parameters) resolves to nothing. A path into a module that names something this
//! pass does not see (an item a macro makes) resolves to that module.

use std::collections::HashMap;

use super::tree::{is_cfg_test, Crate};

/// One name a `use` brings in: `use a::b::{self, c as d, *}` has three.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The path as written: `[a, b]` for `self`, `[a, b, c]` for `c as d`, `[a, b]` for `*`.
    pub path: Vec<String>,
    /// The name it binds (`b`, `d`); `None` for `*` and `_`.
    pub name: Option<String>,
    pub glob: bool,
    pub line: usize,
}

#[derive(Clone, Debug)]
enum Binding {
    /// An item defined in this module, or a `#[macro_export]` macro defined in that one.
    Item(usize),
    Module(usize),
    Use(Leaf),
    /// `extern crate x as y;`.
    External,
}

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Module(usize),
    /// An item defined in that module.
    Item(usize),
}

impl Target {
    pub fn module(self) -> usize {
        match self {
            Target::Module(m) | Target::Item(m) => m,
        }
    }
}

pub struct Resolved {
    pub target: Target,
    /// The name the defining module gives the item, when the path names an item.
    pub item_name: Option<String>,
    /// The path went through at least one `use`.
    pub through_use: bool,
}

/// Re-exports of re-exports, glob into glob: deeper than this is a loop (`pub use self::*`).
const MAX_DEPTH: usize = 32;

pub struct Scopes<'a> {
    krate: &'a Crate,
    names: Vec<HashMap<String, Vec<Binding>>>,
    globs: Vec<Vec<Leaf>>,
    /// `macro_rules!` names anywhere in the crate: a bare `name!` that is in no scope is the
    /// textually scoped macro (`#[macro_use]`, or defined further up the file).
    macros: HashMap<String, usize>,
}

impl<'a> Scopes<'a> {
    /// The scopes of every module; with `tests` false, `#[cfg(test)]` items are left out.
    pub fn new(krate: &'a Crate, tests: bool) -> Self {
        let count = krate.modules.len();
        let mut scopes = Scopes {
            krate,
            names: vec![HashMap::new(); count],
            globs: vec![Vec::new(); count],
            macros: HashMap::new(),
        };
        for id in 0..count {
            scopes.add_module(id, tests);
        }
        scopes
    }

    fn add_module(&mut self, id: usize, tests: bool) {
        let module = &self.krate.modules[id];
        for &child in &module.children {
            let name = self.krate.modules[child].name.clone();
            self.bind(id, name, Binding::Module(child));
        }
        for item in &module.items {
            if !tests && is_cfg_test(attrs(item)) {
                continue;
            }
            match item {
                syn::Item::Use(u) if u.leading_colon.is_none() => {
                    for leaf in leaves(&u.tree) {
                        match leaf.name.clone() {
                            Some(name) => self.bind(id, name, Binding::Use(leaf)),
                            None if leaf.glob => self.globs[id].push(leaf),
                            None => {}
                        }
                    }
                }
                syn::Item::ExternCrate(e) => {
                    let name = e.rename.as_ref().map_or(&e.ident, |(_, r)| r);
                    self.bind(id, name.to_string(), Binding::External);
                }
                syn::Item::Macro(m) => {
                    if let Some(ident) = &m.ident {
                        let name = ident.to_string();
                        self.macros.entry(name.clone()).or_insert(id);
                        if m.attrs.iter().any(|a| a.path().is_ident("macro_export")) {
                            self.bind(Crate::ROOT, name.clone(), Binding::Item(id));
                        }
                        self.bind(id, name, Binding::Item(id));
                    }
                }
                syn::Item::ForeignMod(f) => {
                    for name in f.items.iter().filter_map(foreign_name) {
                        self.bind(id, name, Binding::Item(id));
                    }
                }
                _ => {
                    if let Some(name) = defined_name(item) {
                        self.bind(id, name, Binding::Item(id));
                    }
                }
            }
        }
    }

    fn bind(&mut self, id: usize, name: String, binding: Binding) {
        self.names[id].entry(name).or_default().push(binding);
    }

    /// What `segments` (`crate::a::B`, `super::x`, `B`, `$crate::m`) means in module `from`.
    pub fn resolve(&self, from: usize, segments: &[String]) -> Option<Resolved> {
        self.resolve_at(from, segments, 0)
    }

    /// A macro's path: like any path, but a bare name in no scope is a `macro_rules!` of the
    /// crate by name.
    pub fn resolve_macro(&self, from: usize, segments: &[String]) -> Option<Resolved> {
        if let Some(found) = self.resolve(from, segments) {
            return Some(found);
        }
        let [name] = segments else { return None };
        self.macros.get(name).map(|&m| Resolved {
            target: Target::Item(m),
            item_name: None,
            through_use: false,
        })
    }

    fn resolve_at(&self, from: usize, segments: &[String], depth: usize) -> Option<Resolved> {
        let (first, rest) = segments.split_first()?;
        let mut found = match first.as_str() {
            "crate" | "$crate" => plain(Target::Module(Crate::ROOT)),
            "self" => plain(Target::Module(from)),
            "super" => plain(Target::Module(self.krate.modules[from].parent?)),
            name => self.lookup(from, name, depth)?,
        };
        for segment in rest {
            let Target::Module(at) = found.target else {
                // An enum's variant, a type's associated item: the item is the answer.
                break;
            };
            let next = match segment.as_str() {
                "self" => Some(plain(Target::Module(at))),
                "super" => self.krate.modules[at]
                    .parent
                    .map(|p| plain(Target::Module(p))),
                name => self.lookup(at, name, depth),
            };
            let Some(next) = next else {
                // Something this pass cannot see inside `at`: `at` is still what it names.
                break;
            };
            found = Resolved {
                through_use: found.through_use || next.through_use,
                ..next
            };
        }
        Some(found)
    }

    /// `name` in module `at`'s scope.
    fn lookup(&self, at: usize, name: &str, depth: usize) -> Option<Resolved> {
        if depth > MAX_DEPTH {
            return None;
        }
        let bindings = self.names[at].get(name).map(Vec::as_slice).unwrap_or(&[]);
        for binding in bindings {
            match binding {
                Binding::Item(m) => {
                    return Some(Resolved {
                        target: Target::Item(*m),
                        item_name: Some(name.to_owned()),
                        through_use: false,
                    })
                }
                Binding::Module(m) => return Some(plain(Target::Module(*m))),
                Binding::External => return None,
                Binding::Use(_) => {}
            }
        }
        for binding in bindings {
            if let Binding::Use(leaf) = binding {
                if let Some(found) = self.resolve_at(at, &leaf.path, depth + 1) {
                    return Some(used(found));
                }
            }
        }
        for glob in &self.globs[at] {
            let Some(Resolved {
                target: Target::Module(source),
                ..
            }) = self.resolve_at(at, &glob.path, depth + 1)
            else {
                continue;
            };
            if source == at {
                continue;
            }
            if let Some(found) = self.lookup(source, name, depth + 1) {
                return Some(used(found));
            }
        }
        None
    }
}

fn plain(target: Target) -> Resolved {
    Resolved {
        target,
        item_name: None,
        through_use: false,
    }
}

fn used(found: Resolved) -> Resolved {
    Resolved {
        through_use: true,
        ..found
    }
}

/// The names a `use` tree binds, each with its full path.
pub fn leaves(tree: &syn::UseTree) -> Vec<Leaf> {
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Leaf>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            walk(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push(leaf(prefix, &n.ident, Some(&n.ident))),
        syn::UseTree::Rename(r) => {
            let name = (r.rename != "_").then_some(&r.rename);
            out.push(leaf(prefix, &r.ident, name));
        }
        syn::UseTree::Glob(g) => out.push(Leaf {
            path: prefix.clone(),
            name: None,
            glob: true,
            line: g.star_token.span.start().line,
        }),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                walk(tree, prefix, out);
            }
        }
    }
}

/// `ident` under `prefix`, bound as `name`: `self` is the prefix itself, bound as its last
/// segment unless renamed.
fn leaf(prefix: &[String], ident: &syn::Ident, name: Option<&syn::Ident>) -> Leaf {
    let line = ident.span().start().line;
    if ident == "self" {
        let bound = match name {
            Some(n) if n != "self" => Some(n.to_string()),
            Some(_) => prefix.last().cloned(),
            None => None,
        };
        return Leaf {
            path: prefix.to_vec(),
            name: bound,
            glob: false,
            line,
        };
    }
    let mut path = prefix.to_vec();
    path.push(ident.to_string());
    Leaf {
        path,
        name: name.map(ToString::to_string),
        glob: false,
        line,
    }
}

/// The name an item defines in its module's namespace, if it defines one.
fn defined_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::TraitAlias(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

fn foreign_name(item: &syn::ForeignItem) -> Option<String> {
    let ident = match item {
        syn::ForeignItem::Fn(i) => &i.sig.ident,
        syn::ForeignItem::Static(i) => &i.ident,
        syn::ForeignItem::Type(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// An item's attributes.
pub fn attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}
