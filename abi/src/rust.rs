//! Rust code for the crate itself: the stdcall twins of every export (32-bit Windows) and the
//! tables of the C enums of `types.rs`. Both are written to `$OUT_DIR` and included.

use std::fmt::Write as _;

use quote::{format_ident, quote};

use crate::manifest::{Enum, Manifest};
use crate::parse::{has_no_mangle, Ffi};

/// The C enums that mirror a core enum variant for variant, by name: build.rs writes
/// `From<core> for C` with one arm per variant, so a variant added to one side and not the
/// other fails to compile. `c_only` lists the C variants with no core counterpart; `names`,
/// when set, is a public method of the core enum that build.rs writes too, giving each
/// variant its C name without the enum's prefix (so the core has no list of its own).
struct CoreEnum {
    c: &'static str,
    core: &'static str,
    c_only: &'static [&'static str],
    names: Option<&'static str>,
}

const CORE_ENUMS: [CoreEnum; 3] = [
    CoreEnum {
        c: "MpStatus",
        core: "crate::error::ErrorKind",
        c_only: &["Ok"],
        names: Some("as_str"),
    },
    CoreEnum {
        c: "MpIntentState",
        core: "crate::model::IntentState",
        c_only: &[],
        names: None,
    },
    CoreEnum {
        c: "MpLogLevel",
        core: "crate::log::LogLevel",
        c_only: &[],
        names: None,
    },
];

/// `impl` blocks for every C enum: `ALL`, `c_name()`, `short_name()` and the conversion from
/// its core enum. The enum declaration in `types.rs` is the only list of its values.
pub fn enum_tables(ffi: &Ffi) -> Result<String, String> {
    let mut out = format!("// {}\n", crate::manifest::NOTICE);
    for e in &ffi.enums {
        write_enum_table(&mut out, e);
    }
    for core in &CORE_ENUMS {
        let e = ffi.enums.iter().find(|e| e.name == core.c).ok_or_else(|| {
            format!(
                "abi/src/rust.rs: CORE_ENUMS names {}, which src/ffi/types.rs does not declare",
                core.c
            )
        })?;
        for only in core.c_only {
            if !e.values.iter().any(|v| v.rust == *only) {
                return Err(format!(
                    "abi/src/rust.rs: CORE_ENUMS says {}::{only} has no core counterpart, but \
                     {} has no such variant",
                    core.c, core.c
                ));
            }
        }
        let _ = writeln!(
            out,
            "\n// Variant for variant, by name: a variant on one side only does not compile.\n\
             impl From<{core}> for {c} {{\n    fn from(value: {core}) -> {c} {{\n        match value {{",
            core = core.core,
            c = core.c
        );
        for v in e
            .values
            .iter()
            .filter(|v| !core.c_only.contains(&v.rust.as_str()))
        {
            let _ = writeln!(
                out,
                "            {}::{r} => {}::{r},",
                core.core,
                core.c,
                r = v.rust
            );
        }
        out.push_str("        }\n    }\n}\n");
        if let Some(method) = core.names {
            let _ = writeln!(
                out,
                "\nimpl {core} {{\n    /// The name scripts see: the `{c}` name without its prefix \
                 (`\"OUTCOME_UNKNOWN\"`).\n    pub fn {method}(self) -> &'static str {{\n        \
                 match self {{",
                core = core.core,
                c = core.c
            );
            for v in e
                .values
                .iter()
                .filter(|v| !core.c_only.contains(&v.rust.as_str()))
            {
                let _ = writeln!(
                    out,
                    "            {}::{} => \"{}\",",
                    core.core,
                    v.rust,
                    v.short_name(e)
                );
            }
            out.push_str("        }\n    }\n}\n");
        }
    }
    Ok(out)
}

fn write_enum_table(out: &mut String, e: &Enum) {
    let n = &e.name;
    let _ = writeln!(
        out,
        "\nimpl {n} {{\n    /// Every value, in the order of their numbers.\n    #[allow(dead_code)]\n    \
         pub(crate) const ALL: [{n}; {}] = [",
        e.values.len()
    );
    for v in &e.values {
        let _ = writeln!(out, "        {n}::{},", v.rust);
    }
    out.push_str("    ];\n");
    for (method, doc, short) in [
        ("c_name", "The C constant's name", false),
        ("short_name", "The C name without the enum's prefix", true),
    ] {
        let _ = writeln!(
            out,
            "\n    /// {doc}, NUL-terminated for C.\n    #[allow(dead_code)]\n    \
             pub(crate) fn {method}(self) -> &'static str {{\n        match self {{"
        );
        for v in &e.values {
            let name = if short { v.short_name(e) } else { &v.name };
            let _ = writeln!(out, "            {n}::{} => \"{name}\\0\",", v.rust);
        }
        out.push_str("        }\n    }\n");
    }
    out.push_str("}\n");
}

/// `(module, code)` for every module of `src/ffi`: the stdcall twin `mp_x_std` of each of its
/// exports `mp_x`, for hosts that can only call stdcall (VB6's `Declare`). A twin without
/// callback parameters calls its export; one with a callback parameter is a copy of the
/// export's body with the callback types replaced by their stdcall counterparts (the bodies
/// are generic over the calling convention: see `ffi::callback`). Each module that exports
/// functions must include its file; this fails when one does not.
pub fn stdcall_twins(ffi: &Ffi) -> Result<Vec<(String, String)>, String> {
    let mut twins = Vec::new();
    for module in &ffi.modules {
        let exports: Vec<&syn::ItemFn> = module
            .file
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Fn(f) if has_no_mangle(&f.attrs) => Some(f),
                _ => None,
            })
            .collect();
        let include = format!("\"/stdcall/{}.rs\"", module.name);
        if !exports.is_empty() && !module.source.contains(&include) {
            return Err(format!(
                "{} exports functions but does not include their stdcall twins; add at its end:\n\
                 #[cfg(all(windows, target_arch = \"x86\"))]\n\
                 include!(concat!(env!(\"OUT_DIR\"), {include}));",
                module.path.display()
            ));
        }
        let mut code = format!("// {}\n", crate::manifest::NOTICE);
        for export in exports {
            code.push_str(&twin(export, ffi)?);
            code.push('\n');
        }
        twins.push((module.name.clone(), code));
    }
    Ok(twins)
}

fn twin(export: &syn::ItemFn, ffi: &Ffi) -> Result<String, String> {
    let name = &export.sig.ident;
    let mut twin = export.clone();
    twin.sig.ident = format_ident!("{}_std", name);
    twin.sig.abi = Some(syn::parse_quote!(extern "system"));
    let doc =
        format!(" The stdcall twin of [`{name}`], for hosts that can only call stdcall (VB6).");
    twin.attrs = vec![
        syn::parse_quote!(#[doc = #doc]),
        syn::parse_quote!(#[no_mangle]),
    ];
    let mut has_callback = false;
    let mut args = Vec::new();
    for input in twin.sig.inputs.iter_mut() {
        let syn::FnArg::Typed(arg) = input else {
            continue;
        };
        if let syn::Pat::Ident(pat) = &*arg.pat {
            args.push(pat.ident.clone());
        }
        let syn::Type::Path(path) = &*arg.ty else {
            continue;
        };
        let Some(last) = path.path.segments.last() else {
            continue;
        };
        let callback = last.ident.to_string();
        if ffi.callbacks.iter().any(|c| c.name == callback) {
            let std = format!("{callback}Std");
            if !ffi.stdcall_callbacks.contains(&std) {
                return Err(format!(
                    "{name} takes a {callback}, but src/ffi/stdcall.rs declares no {std} (its \
                     stdcall counterpart, which the twin {name}_std takes)"
                ));
            }
            let std = format_ident!("{std}");
            *arg.ty = syn::parse_quote!(super::stdcall::#std);
            has_callback = true;
        }
    }
    if !has_callback {
        twin.block = syn::parse_quote!({ #name(#(#args),*) });
    }
    Ok(quote!(#twin).to_string())
}

pub const C_DECLARATIONS_PATH: &str = "tests/support/c_abi.rs";

/// `tests/support/c_abi.rs`: the C interface declared in Rust as a C program sees it through
/// `point.h` (enums are `u32`, the client is opaque), for tests that call the exports the way
/// a host does (`tests/browser.rs`).
pub fn c_declarations(m: &Manifest) -> Result<String, String> {
    let mut out = format!(
        "// {}\n\n//! The C interface of `include/point.h`, declared as a C program sees it.\n\n\
         #![allow(dead_code, non_camel_case_types)]\n\nuse std::ffi::{{c_char, c_void}};\n",
        crate::manifest::NOTICE
    );
    for o in &m.opaque_types {
        let _ = writeln!(
            out,
            "\n/// `{0}`: opaque.\n#[repr(C)]\npub struct {0} {{\n    _private: [u8; 0],\n}}",
            o.name
        );
    }
    for e in &m.enums {
        let _ = writeln!(out, "\npub type {} = u32;", e.name);
        for v in &e.values {
            let _ = writeln!(out, "pub const {}: {} = {};", v.name, e.name, v.value);
        }
    }
    for c in &m.callbacks {
        let ret = rs_return(&c.ret, m)?;
        let _ = writeln!(
            out,
            "\npub type {} = Option<unsafe extern \"C\" fn({}){ret}>;",
            c.name,
            rs_params(&c.params, m)?
        );
    }
    out.push_str("\nextern \"C\" {\n");
    for f in &m.functions {
        let _ = writeln!(
            out,
            "    pub fn {}({}){};",
            f.name,
            rs_params(&f.params, m)?,
            rs_return(&f.ret, m)?
        );
    }
    out.push_str("}\n");
    let _ = writeln!(
        out,
        "\n/// Every export and its address: a test that calls this links every declaration above, so\n\
         /// a name the library does not export fails the link.\npub fn exports() -> [(&'static str, \
         *const ()); {}] {{\n    [",
        m.functions.len()
    );
    for f in &m.functions {
        let _ = writeln!(out, "        (\"{0}\", {0} as *const ()),", f.name);
    }
    out.push_str("    ]\n}\n");
    Ok(out)
}

fn rs_params(params: &[crate::manifest::Param], m: &Manifest) -> Result<String, String> {
    Ok(params
        .iter()
        .map(|p| Ok(format!("{}: {}", p.name, rs_type(&p.c_type, m)?)))
        .collect::<Result<Vec<_>, String>>()?
        .join(", "))
}

fn rs_return(c: &str, m: &Manifest) -> Result<String, String> {
    Ok(match c {
        "void" => String::new(),
        other => format!(" -> {}", rs_type(other, m)?),
    })
}

fn rs_type(c: &str, m: &Manifest) -> Result<String, String> {
    if let Some(pointee) = c.strip_suffix('*') {
        let pointee = pointee.trim_end();
        return Ok(match pointee.strip_prefix("const ") {
            Some(inner) => format!("*const {}", rs_type(inner, m)?),
            None => format!("*mut {}", rs_type(pointee, m)?),
        });
    }
    let t = match c {
        "char" => "c_char",
        "void" => "c_void",
        "int8_t" => "i8",
        "uint8_t" => "u8",
        "int16_t" => "i16",
        "uint16_t" => "u16",
        "int32_t" => "i32",
        "uint32_t" => "u32",
        "int64_t" => "i64",
        "uint64_t" => "u64",
        "intptr_t" => "isize",
        "uintptr_t" => "usize",
        name if m.enum_named(name).is_some()
            || m.callback_named(name).is_some()
            || m.is_opaque(name) =>
        {
            name
        }
        other => {
            return Err(format!(
                "{C_DECLARATIONS_PATH}: no Rust type for the C type `{other}`: add it to \
                 abi/src/rust.rs"
            ))
        }
    };
    Ok(t.to_owned())
}
