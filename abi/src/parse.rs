//! Reads `src/ffi` with syn: its modules in `mod.rs` order (the order of `point.h`), the
//! exports (`#[no_mangle] pub extern "C" fn`), the C enums (`#[repr(u32)] pub enum`), the
//! callback typedefs (`pub type X = Option<unsafe extern "C" fn(…)>`) and the opaque types
//! (`pub struct` without `#[repr(C)]`).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::manifest::{Callback, Enum, EnumValue, Function, Opaque, Param};

/// One file of `src/ffi`.
pub struct Module {
    pub name: String,
    pub path: PathBuf,
    pub source: String,
    pub file: syn::File,
}

/// Everything the generators need from the sources.
pub struct Ffi {
    pub modules: Vec<Module>,
    pub opaque_types: Vec<Opaque>,
    pub enums: Vec<Enum>,
    /// The Rust enums, for the enum tables of `types.rs`.
    pub enum_items: Vec<syn::ItemEnum>,
    pub callbacks: Vec<Callback>,
    /// `extern "system"` callback typedefs (the stdcall counterparts, in `stdcall.rs`).
    pub stdcall_callbacks: Vec<String>,
    pub functions: Vec<Function>,
}

/// An error that names the file and the item.
fn at(path: &Path, what: impl std::fmt::Display) -> String {
    format!("{}: {what}", path.display())
}

pub fn read_ffi(ffi_dir: &Path) -> Result<Ffi, String> {
    let mod_rs = ffi_dir.join("mod.rs");
    let order = parse_file(&mod_rs)?
        .1
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.content.is_none() => Some(m.ident.to_string()),
            _ => None,
        })
        .collect::<Vec<_>>();
    let mut modules = Vec::new();
    for name in order {
        let path = ffi_dir.join(format!("{name}.rs"));
        let (source, file) = parse_file(&path)?;
        modules.push(Module {
            name,
            path,
            source,
            file,
        });
    }

    // Names first: a type may be used before (or in another module than) its definition.
    let mut ffi = Ffi {
        modules: Vec::new(),
        opaque_types: Vec::new(),
        enums: Vec::new(),
        enum_items: Vec::new(),
        callbacks: Vec::new(),
        stdcall_callbacks: Vec::new(),
        functions: Vec::new(),
    };
    let mut callback_items = Vec::new();
    for module in &modules {
        for item in &module.file.items {
            match item {
                syn::Item::Enum(e) if is_pub(&e.vis) && has_repr(&e.attrs, "u32") => {
                    ffi.enums.push(read_enum(e, &module.path)?);
                    ffi.enum_items.push(e.clone());
                }
                syn::Item::Enum(e) if is_pub(&e.vis) => {
                    return Err(at(
                        &module.path,
                        format!(
                            "pub enum {} needs #[repr(u32)]: C enums are uint32_t",
                            e.ident
                        ),
                    ))
                }
                syn::Item::Struct(s) if is_pub(&s.vis) && !has_repr(&s.attrs, "C") => {
                    ffi.opaque_types.push(Opaque {
                        name: s.ident.to_string(),
                        doc: doc(&s.attrs),
                    })
                }
                syn::Item::Type(t) if is_pub(&t.vis) => match callback_fn(&t.ty) {
                    Some(f) if abi_name(&f.abi).as_deref() == Some("C") => {
                        callback_items.push((t.clone(), f.clone(), module.path.clone()))
                    }
                    Some(f) if abi_name(&f.abi).as_deref() == Some("system") => {
                        ffi.stdcall_callbacks.push(t.ident.to_string())
                    }
                    _ => {
                        return Err(at(
                            &module.path,
                            format!(
                                "pub type {} is not `Option<unsafe extern \"C\" fn(…)>`, the \
                                 only kind of type alias the C interface has",
                                t.ident
                            ),
                        ))
                    }
                },
                _ => {}
            }
        }
    }
    let known = Known {
        enums: ffi.enums.iter().map(|e| e.name.clone()).collect(),
        opaque: ffi.opaque_types.iter().map(|o| o.name.clone()).collect(),
        callbacks: callback_items
            .iter()
            .map(|(t, _, _)| t.ident.to_string())
            .collect(),
    };
    for (item, f, path) in &callback_items {
        let name = item.ident.to_string();
        let params = f
            .inputs
            .iter()
            .map(|arg| {
                let pname = match &arg.name {
                    Some((ident, _)) => ident.to_string(),
                    None => {
                        return Err(at(
                            path,
                            format!("{name}: name every parameter (point.h shows the names)"),
                        ))
                    }
                };
                let c_type = known
                    .c_type(&arg.ty)
                    .map_err(|e| at(path, format!("{name}, parameter {pname}: {e}")))?;
                Ok(Param {
                    name: pname,
                    c_type,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let ret = known
            .c_return(&f.output)
            .map_err(|e| at(path, format!("{name}: {e}")))?;
        ffi.callbacks.push(Callback {
            name,
            doc: doc(&item.attrs),
            ret,
            params,
        });
    }

    for module in &modules {
        for item in &module.file.items {
            let syn::Item::Fn(f) = item else { continue };
            if !has_no_mangle(&f.attrs) {
                continue;
            }
            ffi.functions
                .push(read_export(f, &module.name, &known).map_err(|e| at(&module.path, e))?);
        }
    }
    ffi.modules = modules;
    Ok(ffi)
}

fn parse_file(path: &Path) -> Result<(String, syn::File), String> {
    let source = fs::read_to_string(path).map_err(|e| at(path, e))?;
    let file = syn::parse_file(&source).map_err(|e| {
        let start = e.span().start();
        at(path, format!("{}:{}: {e}", start.line, start.column))
    })?;
    Ok((source, file))
}

fn read_export(f: &syn::ItemFn, module: &str, known: &Known) -> Result<Function, String> {
    let name = f.sig.ident.to_string();
    if !is_pub(&f.vis) || abi_name(&f.sig.abi).as_deref() != Some("C") {
        return Err(format!(
            "{name}: an export is written `#[no_mangle] pub extern \"C\" fn` (build.rs makes its \
             stdcall twin)"
        ));
    }
    if !name.starts_with("mp_") {
        return Err(format!("{name}: every export's name starts with mp_"));
    }
    if name.ends_with("_std") {
        return Err(format!(
            "{name}: names ending in _std belong to the generated stdcall twins"
        ));
    }
    if !f.sig.generics.params.is_empty() || f.sig.unsafety.is_some() {
        return Err(format!(
            "{name}: an export is a safe, non-generic fn (it checks its pointers itself)"
        ));
    }
    let doc = doc(&f.attrs);
    if doc.is_empty() {
        return Err(format!(
            "{name}: an export needs a /// doc comment: it is the API reference in point.h"
        ));
    }
    let mut params = Vec::new();
    let mut stdcall_bytes = 0;
    for input in &f.sig.inputs {
        let syn::FnArg::Typed(arg) = input else {
            return Err(format!("{name}: an export takes no self"));
        };
        let syn::Pat::Ident(pat) = &*arg.pat else {
            return Err(format!("{name}: each parameter is a plain `name: Type`"));
        };
        let pname = pat.ident.to_string();
        let c_type = known
            .c_type(&arg.ty)
            .map_err(|e| format!("{name}, parameter {pname}: {e}"))?;
        stdcall_bytes += stdcall_size(&c_type);
        params.push(Param {
            name: pname,
            c_type,
        });
    }
    let ret = known
        .c_return(&f.sig.output)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(Function {
        name,
        module: module.to_owned(),
        doc,
        ret,
        params,
        stdcall_bytes,
    })
}

fn read_enum(e: &syn::ItemEnum, path: &Path) -> Result<Enum, String> {
    let name = e.ident.to_string();
    let prefix = heck::AsShoutySnakeCase(&name).to_string();
    let mut values = Vec::new();
    for variant in &e.variants {
        let rust = variant.ident.to_string();
        let value = match &variant.discriminant {
            Some((
                _,
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }),
            )) => n
                .base10_parse::<u32>()
                .map_err(|e| at(path, format!("{name}::{rust}: {e}")))?,
            _ => {
                return Err(at(
                    path,
                    format!(
                        "{name}::{rust} needs an explicit number (`= N`): the numbers are the ABI"
                    ),
                ))
            }
        };
        if values.iter().any(|v: &EnumValue| v.value >= value) {
            return Err(at(
                path,
                format!("{name}::{rust} = {value}: values only ever grow, in order"),
            ));
        }
        values.push(EnumValue {
            // cbindgen's QualifiedScreamingSnakeCase (cbindgen.toml).
            name: format!("{prefix}_{}", heck::AsShoutySnakeCase(&rust)),
            rust,
            value,
            doc: doc(&variant.attrs),
        });
    }
    Ok(Enum {
        name,
        c_type: "uint32_t".to_owned(),
        doc: doc(&e.attrs),
        values,
    })
}

/// The names of the types the C interface knows.
pub(crate) struct Known {
    pub enums: HashSet<String>,
    pub opaque: HashSet<String>,
    pub callbacks: HashSet<String>,
}

impl Known {
    /// A Rust parameter type as C spells it. Fails, saying why, on anything the interface
    /// does not allow.
    pub fn c_type(&self, ty: &syn::Type) -> Result<String, String> {
        match ty {
            syn::Type::Ptr(p) => {
                let pointee = match &*p.elem {
                    syn::Type::Path(path) => match last_ident(path).unwrap_or_default() {
                        ident if ident == "c_void" => "void".to_owned(),
                        ident if self.opaque.contains(&ident) => ident,
                        _ => self.c_type(&p.elem)?,
                    },
                    other => self.c_type(other)?,
                };
                match (p.const_token.is_some(), pointee.ends_with('*')) {
                    (false, true) => Ok(format!("{pointee}*")),
                    (false, false) => Ok(format!("{pointee} *")),
                    (true, false) => Ok(format!("const {pointee} *")),
                    (true, true) => Err(format!(
                        "`{}`: a const pointer to a pointer has no place in this interface",
                        quote::quote!(#ty)
                    )),
                }
            }
            syn::Type::Paren(p) => self.c_type(&p.elem),
            syn::Type::Group(g) => self.c_type(&g.elem),
            syn::Type::Path(path) if path.qself.is_none() => {
                let ident = last_ident(path).unwrap_or_default();
                let c = match ident.as_str() {
                    "c_char" => "char",
                    "u8" => "uint8_t",
                    "i8" => "int8_t",
                    "u16" => "uint16_t",
                    "i16" => "int16_t",
                    "u32" => "uint32_t",
                    "i32" => "int32_t",
                    "u64" => "uint64_t",
                    "i64" => "int64_t",
                    "usize" => "uintptr_t",
                    "isize" => "intptr_t",
                    "bool" => return Err("no bool in this interface: use i32 (0/1)".into()),
                    "f32" | "f64" => {
                        return Err("no floats in this interface: money is an integer".into())
                    }
                    name if self.enums.contains(name)
                        || self.callbacks.contains(name)
                        || self.opaque.contains(name) =>
                    {
                        name
                    }
                    _ => {
                        return Err(format!(
                            "`{}` is not a type of the C interface (a fixed-size integer, a \
                             pointer, a C enum of types.rs, a callback typedef or an opaque type)",
                            quote::quote!(#ty)
                        ))
                    }
                };
                if self.opaque.contains(c) {
                    return Err(format!("{c} is opaque: pass it by pointer"));
                }
                Ok(c.to_owned())
            }
            _ => Err(format!(
                "`{}` is not a type of the C interface",
                quote::quote!(#ty)
            )),
        }
    }

    pub fn c_return(&self, output: &syn::ReturnType) -> Result<String, String> {
        match output {
            syn::ReturnType::Default => Ok("void".to_owned()),
            syn::ReturnType::Type(_, ty) => self.c_type(ty),
        }
    }
}

/// Bytes a parameter takes on the 32-bit x86 stack: 8 for the 64-bit integers; 4 for every
/// other type `Known::c_type` accepts (pointers, callbacks, enums, and integers of 32 bits or
/// narrower, which are widened to 4).
fn stdcall_size(c_type: &str) -> u32 {
    match c_type {
        "int64_t" | "uint64_t" => 8,
        _ => 4,
    }
}

fn last_ident(path: &syn::TypePath) -> Option<String> {
    path.path.segments.last().map(|s| s.ident.to_string())
}

/// `Option<unsafe extern "…" fn(…)>` → the fn type.
fn callback_fn(ty: &syn::Type) -> Option<&syn::TypeBareFn> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(syn::Type::BareFn(f)) if f.unsafety.is_some() => Some(f),
        _ => None,
    }
}

fn abi_name(abi: &Option<syn::Abi>) -> Option<String> {
    abi.as_ref()
        .map(|a| a.name.as_ref().map_or("C".to_owned(), |n| n.value()))
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn has_repr(attrs: &[syn::Attribute], repr: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("repr")
            && a.parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == repr)
    })
}

pub(crate) fn has_no_mangle(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("no_mangle")
            || (a.path().is_ident("unsafe")
                && a.parse_args::<syn::Ident>()
                    .is_ok_and(|ident| ident == "no_mangle"))
    })
}

/// The text of the `///` comments: one leading space per line dropped, as rustdoc does.
pub(crate) fn doc(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }),
                ..
            }) => Some(s.value()),
            _ => None,
        })
        .map(|line| {
            line.strip_prefix(' ')
                .unwrap_or(&line)
                .trim_end()
                .to_owned()
        })
        .collect();
    lines.join("\n").trim().to_owned()
}
