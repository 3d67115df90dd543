//! The files generated from the exports of `src/ffi` are checked in (the header, the ABI
//! manifest, every binding's raw declarations, the Windows `.def` files, the tests' C
//! declarations): each must be exactly what build.rs generates from the current sources.
//! Adding an export or a status is: write it with its doc comment, run `make generate`,
//! commit what changed.

use std::path::Path;

// Links the library, whose exports the generated C declarations name.
use mppoint as _;

// Every export as point.h declares it: a declaration the library does not export fails the
// link of this test (`c_abi::exports()` takes the address of each).
#[rustfmt::skip] // generated: kept exactly as build.rs writes it
#[path = "support/c_abi.rs"]
mod c_abi;

const GENERATED: &str = concat!(env!("OUT_DIR"), "/generated");

fn generated_files() -> Vec<String> {
    let list = std::fs::read_to_string(Path::new(GENERATED).join("FILES"))
        .expect("build.rs lists the generated files");
    list.lines().map(str::to_owned).collect()
}

#[test]
fn every_generated_file_is_checked_in_up_to_date() {
    let files = generated_files();
    assert!(files.len() >= 10, "build.rs generated only {files:?}");
    let mut stale = Vec::new();
    for path in &files {
        let generated = std::fs::read(Path::new(GENERATED).join(path)).expect("generated file");
        let checked_in = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path));
        if checked_in.ok().as_deref() != Some(&generated[..]) {
            stale.push(path.as_str());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with the exports in src/ffi (or missing): {}\nrun `make generate` and \
         commit the files it writes",
        stale.join(", ")
    );
}

#[test]
fn every_generated_file_says_it_is_generated_and_how_to_regenerate() {
    for path in generated_files() {
        let text = std::fs::read_to_string(Path::new(GENERATED).join(&path)).unwrap();
        let head: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
        assert!(
            head.contains("do not edit") && head.contains("Regenerate with `make"),
            "{path} does not start by saying it is generated and how to regenerate it:\n{head}"
        );
    }
}

#[test]
fn the_manifest_lists_the_exports_the_library_has() {
    let manifest: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("OUT_DIR"),
        "/generated/include/point.abi.json"
    )))
    .unwrap();
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    let functions = manifest["functions"].as_array().unwrap();
    assert!(functions.len() >= 30);
    let linked: Vec<&str> = c_abi::exports().iter().map(|(name, _)| *name).collect();
    let listed: Vec<&str> = functions
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(linked, listed);
    assert!(c_abi::exports()
        .iter()
        .all(|(_, address)| !address.is_null()));
    let version = unsafe { std::ffi::CStr::from_ptr(c_abi::mp_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    let status = manifest["enums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "MpStatus")
        .unwrap();
    for value in status["values"].as_array().unwrap() {
        let number = value["value"].as_u64().unwrap() as u32;
        let name = unsafe { std::ffi::CStr::from_ptr(c_abi::mp_status_name(number)) };
        assert_eq!(name.to_str().unwrap(), value["name"].as_str().unwrap());
    }
}

/// A VB6 declaration of MpPointApi.bas: a Function (has a value) or a Sub, and its parameters.
struct VbDeclare {
    function: bool,
    parameters: usize,
}

/// `text` without its comment (from a `'` outside a string literal) and with every string
/// literal emptied, so neither can hold a name or a comma.
fn vb_code(line: &str) -> String {
    let mut code = String::new();
    let mut in_string = false;
    for c in line.chars() {
        match (c, in_string) {
            ('"', _) => {
                in_string = !in_string;
                code.push('"');
            }
            ('\'', false) => break,
            (_, true) => {}
            (c, false) => code.push(c),
        }
    }
    code
}

/// How many arguments a call passes: `rest` follows the called name (`(a, f(b, c))` or, for a
/// statement without parentheses, ` a, b`); commas inside parentheses are not counted.
fn vb_arguments(rest: &str, statement: bool) -> usize {
    let rest = rest.trim_start();
    let args = if let Some(inside) = rest.strip_prefix('(') {
        let mut depth = 1;
        let end = inside
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("a closing parenthesis");
        &inside[..end]
    } else if statement {
        rest
    } else {
        ""
    };
    if args.trim().is_empty() {
        return 0;
    }
    let mut depth = 0;
    1 + args
        .chars()
        .filter(|&c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            c == ',' && depth == 0
        })
        .count()
}

#[test]
fn the_vb6_wrappers_call_what_the_generated_module_declares() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bindings/vb6");
    let read = |name: &str| {
        let bytes = std::fs::read(root.join(name)).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        // VB6 reads CRLF modules; a bare LF makes the IDE see one long line.
        assert!(
            text.matches('\n').count() == text.matches("\r\n").count(),
            "bindings/vb6/{name} has a line without CRLF"
        );
        text.replace("\r\n", "\n")
    };
    let api = read("MpPointApi.bas");
    let wrappers = read("MpPoint.bas");

    let mut declares = std::collections::HashMap::new();
    let mut constants = std::collections::HashSet::new();
    for line in api.lines() {
        if let Some(rest) = line.strip_prefix("Public Declare ") {
            let function = rest.starts_with("Function ");
            let name = rest.split_whitespace().nth(1).unwrap().to_owned();
            let params = &rest[rest.find("\" (").expect("a parameter list") + 3..];
            let params = &params[..params.find(')').unwrap()];
            let parameters = if params.is_empty() {
                0
            } else {
                params.split(", ").count()
            };
            declares.insert(
                name,
                VbDeclare {
                    function,
                    parameters,
                },
            );
        } else if let Some(rest) = line.strip_prefix("Public Const ") {
            constants.insert(rest.split_whitespace().next().unwrap().to_owned());
        }
    }
    assert!(declares.len() >= 30, "MpPointApi.bas not parsed");

    let mut called = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for (number, line) in wrappers.lines().enumerate() {
        let code = vb_code(line);
        let statement_start = code.trim_start();
        let bytes = code.as_bytes();
        let mut at = 0;
        while let Some(found) = code[at..].find(['m', 'M']) {
            let start = at + found;
            let end = code[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(code.len(), |n| start + n);
            at = end.max(start + 1);
            let word = &code[start..end];
            let after_identifier =
                start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
            if after_identifier {
                continue;
            }
            let line = number + 1;
            if word.starts_with("MP_") && !constants.contains(word) {
                problems.push(format!(
                    "line {line}: {word} is not a constant of MpPointApi.bas"
                ));
            }
            if !word.starts_with("mp_") {
                continue;
            }
            let Some(declare) = declares.get(word) else {
                problems.push(format!(
                    "line {line}: {word} is not declared in MpPointApi.bas"
                ));
                continue;
            };
            called.insert(word.to_owned());
            let statement = statement_start.starts_with(word);
            if !statement && !declare.function {
                problems.push(format!("line {line}: Sub {word} is used as a value"));
            }
            let passed = vb_arguments(&code[end..], statement);
            if passed != declare.parameters {
                problems.push(format!(
                    "line {line}: {word} gets {passed} arguments, MpPointApi.bas declares {}",
                    declare.parameters
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "bindings/vb6/MpPoint.bas does not match MpPointApi.bas (run `make generate` if the \
         latter is stale):\n{}",
        problems.join("\n")
    );
    for export in [
        "mp_recover",
        "mp_last_idempotency_key",
        "mp_init_with_options",
        "mp_create_intent_keyed",
        "mp_create_refund_keyed",
        "mp_recover_with_progress",
        "mp_acknowledge",
        "mp_acknowledge_report",
        "mp_device_holds",
        "mp_device_clear",
    ] {
        assert!(
            called.contains(export),
            "MpPoint.bas has no wrapper calling {export}"
        );
    }
}
