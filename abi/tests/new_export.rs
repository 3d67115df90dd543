//! What a contributor does to add an export and a status: write them in a copy of the crate's
//! `src/ffi`, generate, and every generated file declares them, in its language.

use std::fs;
use std::path::{Path, PathBuf};

fn copy_ffi(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/ffi");
    fs::create_dir_all(to.join("src/ffi")).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, to.join("src/ffi").join(path.file_name().unwrap())).unwrap();
    }
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mppoint-abi-{test}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    copy_ffi(&dir);
    dir
}

#[test]
fn an_added_export_and_status_reach_every_generated_file() {
    let dir = scratch("new-export");
    let intents = dir.join("src/ffi/intents.rs");
    let source = fs::read_to_string(&intents).unwrap().replace(
        "// The stdcall twins of this module",
        "/// The idempotency key of the last create on this thread.\n#[no_mangle]\n\
         pub extern \"C\" fn mp_scratch_export(client: *mut MpClient, amount: i64, \
         out_key: *mut *mut c_char) -> MpStatus {\n    unimplemented!()\n}\n\n\
         // The stdcall twins of this module",
    );
    fs::write(&intents, source).unwrap();
    let types = dir.join("src/ffi/types.rs");
    let source = fs::read_to_string(&types).unwrap().replace(
        "    Journal = 18,\n",
        "    Journal = 18,\n    /// A status added in a scratch copy.\n    ScratchStatus = 19,\n",
    );
    fs::write(&types, source).unwrap();

    let generated = mppoint_abi::generate(&dir, "0.3.0").unwrap();
    let export = generated
        .manifest
        .functions
        .iter()
        .find(|f| f.name == "mp_scratch_export")
        .expect("the manifest lists the new export");
    assert_eq!(export.stdcall_bytes, 4 + 8 + 4);
    assert_eq!(
        export.c_prototype(),
        "MpStatus mp_scratch_export(MpClient *client, int64_t amount, char **out_key);"
    );
    let expect = [
        ("include/point.abi.json", &["\"mp_scratch_export\"", "\"MP_STATUS_SCRATCH_STATUS\""][..]),
        (
            "bindings/python/mppoint/_abi.py",
            &["\"mp_scratch_export\": (MpStatus, [MpClientPtr, c_int64, OutString]),", "SCRATCH_STATUS = 19"],
        ),
        (
            "bindings/dotnet/MpPoint.Native.cs",
            &["internal static extern MpStatus mp_scratch_export(MpClientHandle client, long amount, ref IntPtr outKey);", "ScratchStatus = 19,"],
        ),
        (
            "bindings/delphi/MpPointApi.inc",
            &["external MpPointLib name 'mp_scratch_export_std';", "MP_STATUS_SCRATCH_STATUS = 19;", "function mp_scratch_export(Client: PMpClient; Amount: Int64;"],
        ),
        (
            "bindings/vb6/MpPointApi.bas",
            &["Public Declare Function mp_scratch_export Lib \"mppoint.dll\" Alias \"mp_scratch_export_std\" (ByVal client As Long, ByVal amount As Currency, ByRef outKey As Long) As Long", "Public Const MP_STATUS_SCRATCH_STATUS As Long = 19"],
        ),
        ("tests/support/c_abi.rs", &["pub fn mp_scratch_export(client: *mut MpClient, amount: i64, out_key: *mut *mut c_char) -> MpStatus;", "pub const MP_STATUS_SCRATCH_STATUS: MpStatus = 19;"]),
        ("include/windows/mppoint-x64.def", &["    mp_scratch_export\n"]),
        ("include/windows/mppoint-x86.def", &["    mp_scratch_export\n", "    mp_scratch_export_std\n"]),
        ("include/windows/mppoint-x86-implib.def", &["    mp_scratch_export_std@16\n"]),
    ];
    for (path, needles) in expect {
        let (_, text) = generated
            .files
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("{path} is not generated"));
        for needle in needles {
            assert!(text.contains(needle), "{path} lacks {needle:?}");
        }
    }
    let (_, twins) = generated
        .stdcall_twins
        .iter()
        .find(|(m, _)| m == "intents")
        .unwrap();
    assert!(twins.contains("fn mp_scratch_export_std"));
    assert!(generated
        .enum_tables
        .contains("crate::error::ErrorKind::ScratchStatus => MpStatus::ScratchStatus,"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_type_no_binding_knows_stops_the_build_saying_where() {
    let dir = scratch("unknown-type");
    let webhook = dir.join("src/ffi/webhook.rs");
    let source = fs::read_to_string(&webhook).unwrap().replace(
        "// The stdcall twins of this module",
        "/// Takes a float.\n#[no_mangle]\npub extern \"C\" fn mp_bad(amount: f64) -> MpStatus {\n    \
         unimplemented!()\n}\n\n// The stdcall twins of this module",
    );
    fs::write(&webhook, source).unwrap();
    let error = mppoint_abi::generate(&dir, "0.3.0")
        .err()
        .expect("a float is refused");
    assert!(
        error.contains("webhook.rs") && error.contains("mp_bad") && error.contains("no floats"),
        "{error}"
    );
    fs::remove_dir_all(&dir).unwrap();
}
