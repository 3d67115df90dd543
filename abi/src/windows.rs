//! The module-definition files of the Windows DLLs: their exports, which `make dist-windows`
//! ships (for Visual C++'s `lib /def:`) and makes the GNU import library from, and which
//! `scripts/test-windows.sh` compares each DLL's export table and stack pops with.

use std::fmt::Write as _;

use crate::manifest::{Manifest, NOTICE};

/// `(path, text)` of the three files.
pub fn generate(m: &Manifest) -> Vec<(&'static str, String)> {
    let names = |out: &mut String, suffix: &dyn Fn(&crate::manifest::Function) -> String| {
        for f in &m.functions {
            let _ = writeln!(out, "    {}{}", f.name, suffix(f));
        }
    };
    let head = |what: &str| format!("; {NOTICE}\n; {what}\nLIBRARY mppoint.dll\nEXPORTS\n");

    let mut x64 = head("The exports of the 64-bit mppoint.dll: every function of point.h (cdecl).");
    names(&mut x64, &|_| String::new());

    let mut x86 = head(
        "The exports of the 32-bit mppoint.dll (x86, x86-win7): every function of point.h \
         (cdecl), then its stdcall twin NAME_std, all undecorated.",
    );
    names(&mut x86, &|_| String::new());
    names(&mut x86, &|_| "_std".to_owned());

    let mut implib = head(
        "For `dlltool -k` only: the 32-bit exports with each stdcall twin decorated NAME_std@N \
         (N: bytes of arguments), so C code can call the twins as __stdcall; -k imports them \
         by the undecorated names the DLL has.",
    );
    names(&mut implib, &|_| String::new());
    names(&mut implib, &|f| format!("_std@{}", f.stdcall_bytes));

    vec![
        ("include/windows/mppoint-x64.def", x64),
        ("include/windows/mppoint-x86.def", x86),
        ("include/windows/mppoint-x86-implib.def", implib),
    ]
}
