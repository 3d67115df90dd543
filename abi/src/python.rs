//! `bindings/python/mppoint/_abi.py`: the ctypes prototypes, callback types and enums.

use std::fmt::Write as _;

use crate::manifest::{summary, Manifest, NOTICE};

pub const PATH: &str = "bindings/python/mppoint/_abi.py";

pub fn generate(m: &Manifest) -> Result<String, String> {
    let mut out = format!(
        "# {NOTICE}\n\"\"\"The C interface of libmppoint (include/point.h) for ctypes: its version, \
         enums,\ncallback types and the prototype of every export. _native.py loads the library \
         and applies\nthe prototypes; the package's wrappers (mppoint.Client) are written by hand.\n\n\
         Strings the caller must free (``char **out_*``, ``char *``) are ``c_void_p`` so that the \
         pointer\nsurvives for ``mp_string_free``; strings owned by the library (``const char *`` \
         returned by\nmp_version, mp_last_error, the ``*_name`` helpers) are ``c_char_p``, which \
         copies them.\n\"\"\"\n\n\
         import enum\nfrom ctypes import (  # noqa: F401 (the types any prototype may use)\n    CFUNCTYPE,\n    \
         POINTER,\n    c_char_p,\n    c_int8,\n    c_int16,\n    c_int32,\n    c_int64,\n    c_size_t,\n    \
         c_ssize_t,\n    c_uint8,\n    c_uint16,\n    c_uint32,\n    c_uint64,\n    c_void_p,\n)\n\n\
         #: The library version these declarations were generated from.\nVERSION = \"{}\"\n\
         #: The ABI: mp_version() of the loaded library must have this major and at least this minor.\n\
         ABI_MAJOR = {}\nABI_MINOR = {}\n",
        m.version, m.version_major, m.version_minor
    );
    out.push_str("\n# The C typedefs. Enums are uint32_t on the C side.\n");
    for e in &m.enums {
        let _ = writeln!(out, "{} = c_uint32", e.name);
    }
    for o in &m.opaque_types {
        let _ = writeln!(out, "{}Ptr = c_void_p  # {} * (opaque)", o.name, o.name);
    }
    out.push_str("OutString = POINTER(c_void_p)  # char **out_*: freed with mp_string_free\n");
    for c in &m.callbacks {
        let mut types = vec![ctype(&c.ret, m, true)?];
        for p in &c.params {
            types.push(ctype(&p.c_type, m, false)?);
        }
        let _ = writeln!(
            out,
            "#: {}\n{} = CFUNCTYPE({})",
            c.c_typedef(),
            c.name,
            types.join(", ")
        );
    }
    out.push_str("\n#: name: (restype, argtypes) of every export, in the order of point.h.\nSIGNATURES = {\n");
    for f in &m.functions {
        let args = f
            .params
            .iter()
            .map(|p| ctype(&p.c_type, m, false))
            .collect::<Result<Vec<_>, _>>()?;
        let ret = ctype(&f.ret, m, true)?;
        let line = format!("    \"{}\": ({ret}, [{}]),", f.name, args.join(", "));
        if line.len() <= 100 {
            let _ = writeln!(out, "{line}");
        } else {
            let _ = writeln!(
                out,
                "    \"{}\": (\n        {ret},\n        [{}],\n    ),",
                f.name,
                args.join(", ")
            );
        }
    }
    out.push_str("}\n");
    for e in &m.enums {
        let class = e.name.strip_prefix("Mp").unwrap_or(&e.name);
        let text = format!("{}: {}", e.name, summary(&e.doc))
            .replace('\\', "\\\\")
            .replace("\"\"\"", "'''");
        let _ = writeln!(
            out,
            "\n\nclass {class}(enum.IntEnum):\n    \"\"\"{}\"\"\"\n",
            wrap_words(&text, 96, "    ")
        );
        for v in &e.values {
            if !v.doc.is_empty() {
                let _ = writeln!(
                    out,
                    "    #: {}",
                    wrap_words(&summary(&v.doc), 96, "    #: ")
                );
            }
            let _ = writeln!(out, "    {} = {}", v.short_name(e), v.value);
        }
    }
    Ok(out)
}

/// The ctypes type of a C type. `ret`: a `const char *` result is copied (`c_char_p`) like a
/// `const char *` argument; `char *` is always a pointer to keep (`c_void_p`).
fn ctype(c: &str, m: &Manifest, ret: bool) -> Result<String, String> {
    let t = match c {
        "void" if ret => "None".to_owned(),
        "const char *" => "c_char_p".to_owned(),
        "char *" | "void *" => "c_void_p".to_owned(),
        "char **" => "OutString".to_owned(),
        "int8_t" | "uint8_t" | "int16_t" | "uint16_t" | "int32_t" | "uint32_t" | "int64_t"
        | "uint64_t" => format!("c_{}", c.trim_end_matches("_t")),
        "intptr_t" => "c_ssize_t".to_owned(),
        "uintptr_t" => "c_size_t".to_owned(),
        name if m.enum_named(name).is_some() || m.callback_named(name).is_some() => name.to_owned(),
        other => match other.strip_suffix(" *") {
            Some(o) if m.is_opaque(o) => format!("{o}Ptr"),
            Some(o) if m.enum_named(o).is_some() => format!("POINTER({o})"),
            _ => match other.strip_suffix(" **") {
                Some(o) if m.is_opaque(o) => format!("POINTER({o}Ptr)"),
                _ => {
                    return Err(format!(
                        "{PATH}: no ctypes type for the C type `{other}`: add it to \
                         abi/src/python.rs"
                    ))
                }
            },
        },
    };
    Ok(t)
}

/// Words of `text` in lines of at most `width` characters, each after the first starting
/// with `indent`.
fn wrap_words(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width - indent.len() {
            out.push_str(&line);
            out.push('\n');
            out.push_str(indent);
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}
