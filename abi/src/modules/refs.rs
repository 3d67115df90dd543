//! Every reference a module's code makes to another module: each leaf of a private `use`,
//! each path in a type, expression, pattern, trait bound or `impl` header, each macro's own
//! path, and the paths inside macro arguments (read from their tokens, since syn leaves them
//! unparsed; inside `macro_rules!` bodies only `$crate::…` and `crate::…`, the only paths
//! whose meaning does not depend on where the macro is used).
//!
//! A `pub use` (any visible `use`) is a re-export, not a reference: the module passes the
//! name on and the modules that use it through the module are the ones that depend on the
//! definition. So a facade `mod.rs` re-exporting its children depends on none of them by
//! doing so. What the re-exporting module does with the name itself is a reference as usual.
//!
//! A trait used only for its methods shows as the `use` that brings it in; a method call by
//! itself names no module and is not seen.

use std::path::PathBuf;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

use super::scope::{attrs, leaves, Resolved, Scopes, Target};
use super::tree::{is_cfg_test, Crate};

pub struct Reference {
    pub from: usize,
    /// The module that defines what the reference names (or the module it names).
    pub to: usize,
    pub file: PathBuf,
    pub line: usize,
    /// As written (`use crate::wait`, `wait::run`, `json!`), and what it names when that
    /// went through a `use` (`use crate::Client → client::Client`).
    pub text: String,
}

/// The references of every module, file by file in declaration order, each file's by line.
/// With `tests` false, `#[cfg(test)]` modules and items are left out.
pub fn collect(krate: &Crate, scopes: &Scopes, tests: bool) -> Vec<Reference> {
    let mut out = Vec::new();
    for (id, module) in krate.modules.iter().enumerate() {
        if module.test && !tests {
            continue;
        }
        let mut collector = Collector {
            krate,
            scopes,
            module: id,
            tests,
            out: &mut out,
        };
        for item in &module.items {
            collector.visit_item(item);
        }
    }
    // An inline module's references come after its parent's but may stand before them.
    let files: Vec<&PathBuf> = krate.modules.iter().map(|m| &m.file).collect();
    out.sort_by_key(|r| (files.iter().position(|&f| *f == r.file), r.line));
    out
}

struct Collector<'a> {
    krate: &'a Crate,
    scopes: &'a Scopes<'a>,
    module: usize,
    tests: bool,
    out: &'a mut Vec<Reference>,
}

impl Collector<'_> {
    fn record(&mut self, found: Option<Resolved>, line: usize, written: String) {
        let Some(found) = found else { return };
        let to = found.target.module();
        if to == self.module {
            return;
        }
        let text = if found.through_use {
            format!("{written} → {}", self.named(&found))
        } else {
            written
        };
        self.out.push(Reference {
            from: self.module,
            to,
            file: self.krate.modules[self.module].file.clone(),
            line,
            text,
        });
    }

    /// `client::Client`, `transport`: what a resolved path names, from the crate root.
    fn named(&self, found: &Resolved) -> String {
        let module = self.krate.path_of(found.target.module());
        match (found.target, &found.item_name) {
            (Target::Item(_), Some(name)) => format!("{module}::{name}"),
            _ => module,
        }
    }

    fn path(&mut self, segments: Vec<String>, line: usize) {
        let found = self.scopes.resolve(self.module, &segments);
        self.record(found, line, segments.join("::"));
    }

    fn use_item(&mut self, u: &syn::ItemUse) {
        if u.leading_colon.is_some() || !matches!(u.vis, syn::Visibility::Inherited) {
            return;
        }
        for leaf in leaves(&u.tree) {
            let found = self.scopes.resolve(self.module, &leaf.path);
            let star = if leaf.glob { "::*" } else { "" };
            let written = format!("use {}{star}", leaf.path.join("::"));
            self.record(found, leaf.line, written);
        }
    }

    /// A `macro_rules!` definition: the crate-absolute paths of its body.
    fn macro_rules(&mut self, m: &syn::ItemMacro) {
        let mut found = Vec::new();
        token_paths(m.mac.tokens.clone(), &mut found);
        for (segments, line) in found {
            if segments[0] == "$crate" || segments[0] == "crate" {
                self.path(segments, line);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !self.tests && is_cfg_test(attrs(item)) {
            return;
        }
        match item {
            // A module of its own (tree.rs), with its own references.
            syn::Item::Mod(_) => {}
            syn::Item::Use(u) => self.use_item(u),
            syn::Item::Macro(m) if m.ident.is_some() => self.macro_rules(m),
            _ => visit::visit_item(self, item),
        }
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            syn::ImplItem::Macro(i) => &i.attrs,
            _ => return visit::visit_impl_item(self, item),
        };
        if self.tests || !is_cfg_test(attrs) {
            visit::visit_impl_item(self, item);
        }
    }

    // `#[derive(…)]`, `#[cfg(…)]`, `pub(in crate::x)`: no dependency on another module's items.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() {
            if let Some(first) = path.segments.first() {
                let line = first.ident.span().start().line;
                let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
                self.path(segments, line);
            }
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac.path.leading_colon.is_none() {
            if let Some(first) = mac.path.segments.first() {
                let segments: Vec<String> = mac
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let found = self.scopes.resolve_macro(self.module, &segments);
                let line = first.ident.span().start().line;
                self.record(found, line, format!("{}!", segments.join("::")));
            }
        }
        let mut found = Vec::new();
        token_paths(mac.tokens.clone(), &mut found);
        for (segments, line) in found {
            self.path(segments, line);
        }
    }
}

/// The paths (`a`, `a::b::c`, `$crate::x`) in a macro's tokens, with their lines. An
/// identifier after `.` (a field or method), `'` (a lifetime) or a leading `::`, and a
/// macro metavariable (`$x`), starts none.
fn token_paths(tokens: TokenStream, out: &mut Vec<(Vec<String>, usize)>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        let TokenTree::Ident(ident) = &trees[i] else {
            if let TokenTree::Group(g) = &trees[i] {
                token_paths(g.stream(), out);
            }
            i += 1;
            continue;
        };
        let after = |c: char| i > 0 && is_punct(&trees[i - 1], c);
        let dollar = after('$');
        let leading_colons = after(':') && i > 1 && is_punct(&trees[i - 2], ':');
        let starts = !after('.') && !after('\'') && !leading_colons;
        let mut segments = vec![if dollar {
            format!("${ident}")
        } else {
            ident.to_string()
        }];
        let mut j = i + 1;
        while j + 2 < trees.len() && is_punct(&trees[j], ':') && is_punct(&trees[j + 1], ':') {
            let TokenTree::Ident(next) = &trees[j + 2] else {
                break;
            };
            segments.push(next.to_string());
            j += 3;
        }
        if starts && (!dollar || ident == "crate") {
            out.push((segments, ident.span().start().line));
        }
        i = j;
    }
}

fn is_punct(tree: &TokenTree, c: char) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == c)
}
