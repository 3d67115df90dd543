//! `bindings/vb6/MpPointApi.bas`: point.h's constants and a `Declare` of every export through
//! its stdcall twin (`Alias "<name>_std"`). `MpPoint.bas` (written by hand) has the string
//! conversions and wrappers.

use std::fmt::Write as _;

use heck::ToLowerCamelCase;

use crate::manifest::{summary, Manifest, NOTICE};

pub const PATH: &str = "bindings/vb6/MpPointApi.bas";

pub fn generate(m: &Manifest) -> Result<String, String> {
    // VB6 reads the Attribute line first: the notice follows it.
    let mut out = format!(
        "Attribute VB_Name = \"MpPointApi\"\n' {NOTICE}\n'\n\
         ' The raw C interface of point.h for Visual Basic 6 (and VBA on 32-bit Office): its \
         constants and\n' one Declare per function, calling the function's stdcall twin \
         <name>_std (VB6 can call\n' nothing else) in the 32-bit mppoint.dll. Add MpPoint.bas \
         too: it converts text to and from\n' UTF-8 and wraps the common calls. Types: text in \
         and every pointer is ByVal Long (a pointer),\n' text out (char **) and MpIntentState * \
         are ByRef Long, int64_t is Currency (the same 64 bits).\nOption Explicit\n"
    );
    for e in &m.enums {
        let _ = writeln!(
            out,
            "\n' ---- {} {}\n' {}",
            e.name,
            "-".repeat(92usize.saturating_sub(e.name.len())),
            summary(&e.doc)
        );
        for v in &e.values {
            let _ = writeln!(out, "Public Const {} As Long = {}", v.name, v.value);
        }
    }
    let _ = writeln!(
        out,
        "\n' The version this module was generated from (compare with MpVersion()).\n\
         Public Const MP_VERSION_MAJOR As Long = {}\nPublic Const MP_VERSION_MINOR As Long = {}\n\
         Public Const MP_VERSION_PATCH As Long = {}\n\n\
         ' ---- The functions of point.h (stdcall twins) ------------------------------------------------",
        m.version_major, m.version_minor, m.version_patch
    );
    for f in &m.functions {
        let params = f
            .params
            .iter()
            .map(|p| {
                let (passing, ty) = vb_param(&p.c_type, m)?;
                Ok(format!("{passing} {} As {ty}", ident(&p.name)))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let (kind, ret) = if f.returns_void() {
            ("Sub", String::new())
        } else {
            ("Function", format!(" As {}", vb_return(&f.ret, m)?))
        };
        let _ = writeln!(
            out,
            "Public Declare {kind} {0} Lib \"mppoint.dll\" Alias \"{0}_std\" ({1}){ret}",
            f.name,
            params.join(", ")
        );
    }
    Ok(out.replace('\n', "\r\n"))
}

/// How a parameter is passed (`ByVal`/`ByRef`) and its VB6 type.
fn vb_param(c: &str, m: &Manifest) -> Result<(&'static str, &'static str), String> {
    let t = match c {
        "int64_t" | "uint64_t" => ("ByVal", "Currency"),
        "char **" => ("ByRef", "Long"),
        "const char *" | "char *" | "void *" => ("ByVal", "Long"),
        "int8_t" | "uint8_t" | "int16_t" | "uint16_t" | "int32_t" | "uint32_t" | "intptr_t"
        | "uintptr_t" => ("ByVal", "Long"),
        name if m.enum_named(name).is_some() || m.callback_named(name).is_some() => {
            ("ByVal", "Long")
        }
        other => match other.strip_suffix(" *") {
            Some(o) if m.is_opaque(o) => ("ByVal", "Long"),
            Some(o) if m.enum_named(o).is_some() => ("ByRef", "Long"),
            _ => match other.strip_suffix(" **") {
                Some(o) if m.is_opaque(o) => ("ByRef", "Long"),
                _ => {
                    return Err(format!(
                        "{PATH}: no VB6 type for the C type `{other}`: add it to abi/src/vb6.rs"
                    ))
                }
            },
        },
    };
    Ok(t)
}

fn vb_return(c: &str, m: &Manifest) -> Result<String, String> {
    match c {
        "int64_t" | "uint64_t" => Ok("Currency".into()),
        "const char *" | "char *" | "int32_t" | "uint32_t" => Ok("Long".into()),
        name if m.enum_named(name).is_some() => Ok("Long".into()),
        other => Err(format!(
            "{PATH}: no VB6 return type for the C type `{other}`: add it to abi/src/vb6.rs"
        )),
    }
}

/// A parameter name in VB6: camelCase, with `_` appended to a reserved word.
fn ident(snake: &str) -> String {
    const RESERVED: &[&str] = &[
        "access",
        "alias",
        "and",
        "any",
        "as",
        "base",
        "binary",
        "boolean",
        "byref",
        "byte",
        "byval",
        "call",
        "case",
        "close",
        "compare",
        "const",
        "currency",
        "date",
        "debug",
        "declare",
        "dim",
        "do",
        "double",
        "each",
        "else",
        "elseif",
        "empty",
        "end",
        "enum",
        "eqv",
        "erase",
        "error",
        "event",
        "exit",
        "explicit",
        "false",
        "for",
        "friend",
        "function",
        "get",
        "global",
        "gosub",
        "goto",
        "if",
        "imp",
        "implements",
        "in",
        "input",
        "integer",
        "is",
        "len",
        "let",
        "lib",
        "like",
        "line",
        "lock",
        "long",
        "loop",
        "me",
        "mid",
        "mod",
        "name",
        "new",
        "next",
        "not",
        "nothing",
        "null",
        "object",
        "on",
        "open",
        "option",
        "optional",
        "or",
        "output",
        "print",
        "private",
        "property",
        "public",
        "put",
        "raiseevent",
        "random",
        "read",
        "redim",
        "resume",
        "return",
        "seek",
        "select",
        "set",
        "single",
        "static",
        "step",
        "stop",
        "string",
        "sub",
        "text",
        "then",
        "time",
        "to",
        "true",
        "type",
        "unlock",
        "until",
        "variant",
        "wend",
        "while",
        "with",
        "write",
        "xor",
    ];
    let name = snake.to_lower_camel_case();
    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        format!("{name}_")
    } else {
        name
    }
}
