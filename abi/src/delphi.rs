//! `bindings/delphi/MpPointApi.inc`: the constants, types and `external` declarations of
//! every export, included by `MpPoint.pas` (whose `TMpClient` is written by hand). cdecl by
//! default; with `MPPOINT_STDCALL` defined (32-bit Windows only) every declaration binds the
//! export's stdcall twin `<name>_std` and the callback types are stdcall.

use std::fmt::Write as _;

use crate::dotnet::pascal;
use crate::manifest::{summary, Manifest, NOTICE};

pub const PATH: &str = "bindings/delphi/MpPointApi.inc";

pub fn generate(m: &Manifest) -> Result<String, String> {
    let mut out = format!(
        "{{ {NOTICE} }}\n\n\
         {{ The raw C interface of include/point.h, included by MpPoint.pas: point.h's constants, \
         its types,\n  and one `external` declaration per export, with the same names and \
         parameter order.\n  Strings are PAnsiChar in UTF-8; a string returned through a \
         PMpPAnsiChar (char **)\n  parameter is released with mp_string_free. cdecl by default; \
         define MPPOINT_STDCALL (32-bit\n  Windows only) to bind every function to its stdcall \
         twin <name>_std instead. }}\n\n\
         const\n{{$IFDEF MSWINDOWS}}\n  MpPointLib = 'mppoint.dll';\n{{$ELSE}}\n  {{$IFDEF DARWIN}}\n  \
         MpPointLib = 'libmppoint.dylib';\n  {{$ELSE}}\n    {{$IFDEF MACOS}}\n  MpPointLib = \
         'libmppoint.dylib';\n    {{$ELSE}}\n  MpPointLib = 'libmppoint.so';\n    {{$ENDIF}}\n  \
         {{$ENDIF}}\n{{$ENDIF}}\n\n  \
         {{ The version this unit was generated from; before the first client is made, the ABI\n    \
         guard checks that mp_version() has this major and at least this minor. }}\n  \
         MP_VERSION_MAJOR = {};\n  MP_VERSION_MINOR = {};\n  MP_VERSION_PATCH = {};\n  \
         {{ point.h's MP_VERSION (Pascal names ignore case: mp_version is the function). }}\n  \
         MP_VERSION_TEXT = '{}';\n",
        m.version_major, m.version_minor, m.version_patch, m.version
    );
    for e in &m.enums {
        let _ = writeln!(out, "\n  {{ {}: {} }}", e.name, comment(&summary(&e.doc)));
        for v in &e.values {
            let _ = writeln!(out, "  {} = {};", v.name, v.value);
        }
    }
    out.push_str(
        "\ntype\n  { The C enums are uint32_t: plain numbers, so a value from a newer library is safe. }\n",
    );
    for e in &m.enums {
        let _ = writeln!(out, "  T{0} = Cardinal;\n  P{0} = ^T{0};", e.name);
    }
    for o in &m.opaque_types {
        let _ = writeln!(
            out,
            "  {{ Opaque {0}*. }}\n  P{0} = type Pointer;\n  PP{0} = ^P{0};",
            o.name
        );
    }
    out.push_str("  { char ** (an out-string). }\n  PMpPAnsiChar = ^PAnsiChar;\n");
    for (define, convention) in [
        ("{$IFDEF MPPOINT_STDCALL}", "stdcall"),
        ("{$ELSE}", "cdecl"),
    ] {
        let _ = writeln!(out, "{define}");
        for c in &m.callbacks {
            let params = params(&c.params, m)?;
            let decl = match c.ret.as_str() {
                "void" => format!("  T{} = procedure{params}; {convention};", c.name),
                ret => format!(
                    "  T{} = function{params}: {}; {convention};",
                    c.name,
                    pas_type(ret, m)?
                ),
            };
            out.push_str(&wrap(&decl, 4));
        }
    }
    out.push_str("{$ENDIF}\n");

    for (define, convention) in [
        ("{$IFDEF MPPOINT_STDCALL}", "stdcall"),
        ("{$ELSE}", "cdecl"),
    ] {
        let _ = writeln!(out, "\n{define}\n");
        for f in &m.functions {
            let binding = if convention == "stdcall" {
                format!("external MpPointLib name '{}_std'", f.name)
            } else {
                "external MpPointLib".to_owned()
            };
            let params = params(&f.params, m)?;
            let decl = if f.returns_void() {
                format!("procedure {}{params}; {convention}; {binding};", f.name)
            } else {
                format!(
                    "function {}{params}: {}; {convention}; {binding};",
                    f.name,
                    pas_type(&f.ret, m)?
                )
            };
            out.push_str(&wrap(&decl, 2));
        }
    }
    out.push_str("{$ENDIF}\n");
    Ok(out)
}

fn params(params: &[crate::manifest::Param], m: &Manifest) -> Result<String, String> {
    if params.is_empty() {
        return Ok(String::new());
    }
    let list = params
        .iter()
        .map(|p| Ok(format!("{}: {}", ident(&p.name), pas_type(&p.c_type, m)?)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(format!("({})", list.join("; ")))
}

fn pas_type(c: &str, m: &Manifest) -> Result<String, String> {
    let t = match c {
        "const char *" | "char *" => "PAnsiChar".to_owned(),
        "char **" => "PMpPAnsiChar".to_owned(),
        "void *" => "Pointer".to_owned(),
        "int8_t" => "ShortInt".into(),
        "uint8_t" => "Byte".into(),
        "int16_t" => "SmallInt".into(),
        "uint16_t" => "Word".into(),
        "int32_t" => "Integer".into(),
        "uint32_t" => "Cardinal".into(),
        "int64_t" => "Int64".into(),
        "uint64_t" => "UInt64".into(),
        "intptr_t" => "NativeInt".into(),
        "uintptr_t" => "NativeUInt".into(),
        name if m.enum_named(name).is_some() || m.callback_named(name).is_some() => {
            format!("T{name}")
        }
        other => match other.strip_suffix(" *") {
            Some(o) if m.is_opaque(o) => format!("P{o}"),
            Some(o) if m.enum_named(o).is_some() => format!("P{o}"),
            _ => match other.strip_suffix(" **") {
                Some(o) if m.is_opaque(o) => format!("PP{o}"),
                _ => {
                    return Err(format!(
                        "{PATH}: no Pascal type for the C type `{other}`: add it to \
                         abi/src/delphi.rs"
                    ))
                }
            },
        },
    };
    Ok(t)
}

/// A parameter name in Pascal: PascalCase, with `_` appended to a reserved word.
fn ident(snake: &str) -> String {
    const RESERVED: &[&str] = &[
        "and",
        "array",
        "as",
        "asm",
        "begin",
        "case",
        "class",
        "const",
        "constructor",
        "destructor",
        "dispinterface",
        "div",
        "do",
        "downto",
        "else",
        "end",
        "except",
        "exports",
        "file",
        "finalization",
        "finally",
        "for",
        "function",
        "goto",
        "if",
        "implementation",
        "in",
        "inherited",
        "initialization",
        "inline",
        "interface",
        "is",
        "label",
        "library",
        "mod",
        "nil",
        "not",
        "object",
        "of",
        "or",
        "out",
        "packed",
        "procedure",
        "program",
        "property",
        "raise",
        "record",
        "repeat",
        "resourcestring",
        "result",
        "set",
        "shl",
        "shr",
        "string",
        "then",
        "threadvar",
        "to",
        "try",
        "type",
        "unit",
        "until",
        "uses",
        "var",
        "while",
        "with",
        "xor",
    ];
    let name = pascal(snake);
    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// Pascal comments end at `}`: keep one out of the text.
fn comment(text: &str) -> String {
    text.replace('}', ")")
}

/// Breaks a declaration after `; ` or `, ` to keep lines within 100 columns.
pub(crate) fn wrap(line: &str, indent: usize) -> String {
    const WIDTH: usize = 100;
    let mut out = String::new();
    let mut current = String::new();
    for piece in line.split_inclusive("; ") {
        if !current.is_empty() && current.len() + piece.trim_end().len() > WIDTH {
            out.push_str(current.trim_end());
            out.push('\n');
            current = " ".repeat(indent);
        }
        current.push_str(piece);
    }
    out.push_str(current.trim_end());
    out.push('\n');
    out
}
