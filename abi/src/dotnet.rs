//! `bindings/dotnet/MpPoint.Native.cs`: the enums, the binding's version, the callback
//! delegates and a cdecl `DllImport` of every export (`NativeMethods`). `MpPoint.cs` (written
//! by hand) holds `MpClient` and the rest of the wrapper.

use std::fmt::Write as _;

use heck::{ToLowerCamelCase, ToUpperCamelCase};

use crate::manifest::{summary, Manifest, NOTICE};

pub const PATH: &str = "bindings/dotnet/MpPoint.Native.cs";

pub const PROPS_PATH: &str = "bindings/dotnet/MpPoint.Version.props";

/// `MpPoint.Version.props`: the version, imported by `MpPoint.csproj` (the NuGet package of
/// `make dist` takes it from the manifest too).
pub fn version_props(m: &Manifest) -> String {
    format!(
        "<!-- {NOTICE} -->\n<Project>\n  <PropertyGroup>\n    <Version>{}</Version>\n  \
         </PropertyGroup>\n</Project>\n",
        m.version
    )
}

/// The export that frees the handle: `MpClientHandle.ReleaseHandle` calls it with the raw
/// pointer, so its `MpClient *` is an `IntPtr` where every other export takes the SafeHandle.
const RELEASE_HANDLE: &str = "mp_free";

pub fn generate(m: &Manifest) -> Result<String, String> {
    let mut out = format!(
        "// {NOTICE}\n//\n// The raw C interface of include/point.h for .NET: enums, callback delegates \
         and one cdecl\n// DllImport per export. Text crosses as NUL-terminated UTF-8 byte[] in \
         and IntPtr out, never\n// string (the marshaler would free returned text with the wrong \
         allocator). MpPoint.cs wraps it.\n\n\
         using System;\nusing System.Runtime.InteropServices;\n\nnamespace MpPoint\n{{\n"
    );
    for e in &m.enums {
        let _ = writeln!(
            out,
            "    /// <summary>{} in point.h: {}</summary>\n    public enum {} : uint\n    {{",
            e.name,
            xml(&summary(&e.doc)),
            e.name
        );
        for v in &e.values {
            if !v.doc.is_empty() {
                let _ = writeln!(
                    out,
                    "        /// <summary>{}</summary>",
                    xml(&summary(&v.doc))
                );
            }
            let _ = writeln!(out, "        {} = {},", v.rust, v.value);
        }
        out.push_str("    }\n\n");
    }
    let _ = writeln!(
        out,
        "    public static partial class Mp\n    {{\n        \
         /// <summary>The major version of the library this binding was generated for.</summary>\n        \
         public const int BindingMajor = {};\n        \
         /// <summary>The minor version of the library this binding was generated for.</summary>\n        \
         public const int BindingMinor = {};\n        \
         /// <summary>The library version this binding was generated from.</summary>\n        \
         public const string BindingVersion = \"{}\";\n    }}\n",
        m.version_major, m.version_minor, m.version
    );
    out.push_str(
        "    internal static partial class NativeMethods\n    {\n        \
         private const string Library = \"mppoint\";\n",
    );
    for c in &m.callbacks {
        let params = c
            .params
            .iter()
            .map(|p| {
                // Text the library passes in is a pointer to read, not an array to marshal.
                let ty = match p.c_type.as_str() {
                    "const char *" => "IntPtr".to_owned(),
                    other => cs_type(other, m, "")?,
                };
                Ok(format!("{ty} {}", ident(&p.name)))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let _ = writeln!(
            out,
            "\n        // {}\n        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]\n        \
             internal delegate {} {}({});",
            c.c_typedef(),
            cs_return(&c.ret, m)?,
            c.name.strip_prefix("Mp").unwrap_or(&c.name),
            params.join(", ")
        );
    }
    for f in &m.functions {
        let params = f
            .params
            .iter()
            .map(|p| {
                Ok(format!(
                    "{} {}",
                    cs_type(&p.c_type, m, &f.name)?,
                    ident(&p.name)
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let _ = writeln!(
            out,
            "\n        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]\n        \
             internal static extern {} {}({});",
            cs_return(&f.ret, m)?,
            f.name,
            params.join(", ")
        );
    }
    out.push_str("    }\n}\n");
    Ok(out)
}

fn cs_return(c: &str, m: &Manifest) -> Result<String, String> {
    match c {
        "void" => Ok("void".into()),
        "const char *" | "char *" => Ok("IntPtr".into()),
        other => cs_type(other, m, ""),
    }
}

fn cs_type(c: &str, m: &Manifest, function: &str) -> Result<String, String> {
    let t = match c {
        "const char *" => "byte[]".to_owned(),
        "char *" | "void *" => "IntPtr".to_owned(),
        "char **" => "ref IntPtr".to_owned(),
        "int8_t" => "sbyte".into(),
        "uint8_t" => "byte".into(),
        "int16_t" => "short".into(),
        "uint16_t" => "ushort".into(),
        "int32_t" => "int".into(),
        "uint32_t" => "uint".into(),
        "int64_t" => "long".into(),
        "uint64_t" => "ulong".into(),
        "intptr_t" => "IntPtr".into(),
        "uintptr_t" => "UIntPtr".into(),
        name if m.enum_named(name).is_some() => name.to_owned(),
        name if m.callback_named(name).is_some() => {
            name.strip_prefix("Mp").unwrap_or(name).to_owned()
        }
        other => match other.strip_suffix(" *") {
            Some(o) if m.is_opaque(o) && function == RELEASE_HANDLE => "IntPtr".to_owned(),
            Some(o) if m.is_opaque(o) => format!("{o}Handle"),
            Some(o) if m.enum_named(o).is_some() => format!("ref {o}"),
            _ => match other.strip_suffix(" **") {
                Some(o) if m.is_opaque(o) => "ref IntPtr".to_owned(),
                _ => {
                    return Err(format!(
                        "{PATH}: no C# type for the C type `{other}`: add it to abi/src/dotnet.rs"
                    ))
                }
            },
        },
    };
    Ok(t)
}

/// A parameter name in C#: camelCase, `@`-escaped if it is a keyword.
fn ident(snake: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "abstract",
        "as",
        "base",
        "bool",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "checked",
        "class",
        "const",
        "continue",
        "decimal",
        "default",
        "delegate",
        "do",
        "double",
        "else",
        "enum",
        "event",
        "explicit",
        "extern",
        "false",
        "finally",
        "fixed",
        "float",
        "for",
        "foreach",
        "goto",
        "if",
        "implicit",
        "in",
        "int",
        "interface",
        "internal",
        "is",
        "lock",
        "long",
        "namespace",
        "new",
        "null",
        "object",
        "operator",
        "out",
        "override",
        "params",
        "private",
        "protected",
        "public",
        "readonly",
        "ref",
        "return",
        "sbyte",
        "sealed",
        "short",
        "sizeof",
        "stackalloc",
        "static",
        "string",
        "struct",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "uint",
        "ulong",
        "unchecked",
        "unsafe",
        "ushort",
        "using",
        "virtual",
        "void",
        "volatile",
        "while",
    ];
    let name = snake.to_lower_camel_case();
    if KEYWORDS.contains(&name.as_str()) {
        format!("@{name}")
    } else {
        name
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// Used by the Delphi and VB6 generators too.
pub(crate) fn pascal(snake: &str) -> String {
    snake.to_upper_camel_case()
}
