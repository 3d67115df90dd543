//! Small crates held in memory (`files`), checked as if read from the disk.

use std::collections::HashMap;
use std::io;

use super::*;

/// The cycles of the crate whose root is the first of `files`, as reported.
fn report(files: &[(&str, &str)], options: Options) -> Vec<String> {
    check_files(files, options)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Only each cycle's first line: `src/lib.rs: a -> b -> a`.
fn chains(files: &[(&str, &str)]) -> Vec<String> {
    chains_with(files, Options::default())
}

fn chains_with(files: &[(&str, &str)], options: Options) -> Vec<String> {
    report(files, options)
        .iter()
        .map(|c| c.lines().next().unwrap_or_default().to_owned())
        .collect()
}

fn check_files(files: &[(&str, &str)], options: Options) -> Result<Vec<Cycle>, String> {
    let map: HashMap<PathBuf, String> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
        .collect();
    let read = |path: &Path| {
        map.get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    };
    check_with(Path::new(files[0].0), &read, options)
}

#[test]
fn a_plain_cycle_is_reported_with_a_reference_per_edge() {
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A(B);\n"),
        (
            "src/b.rs",
            "pub struct B;\nfn f() -> crate::a::A {\n    todo!()\n}\n",
        ),
    ];
    assert_eq!(
        report(&files, Options::default()),
        ["src/lib.rs: a -> b -> a\n    \
          a -> b: src/a.rs:1: use crate::b::B\n    \
          b -> a: src/b.rs:2: crate::a::A"]
    );
}

#[test]
fn a_dependency_one_way_is_no_cycle() {
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A(B);\n"),
        ("src/b.rs", "pub struct B;\n"),
    ];
    assert!(chains(&files).is_empty());
}

#[test]
fn a_cycle_behind_a_re_export_at_the_root_is_followed_to_the_definition() {
    let files = [
        (
            "src/lib.rs",
            "mod client;\nmod wait;\n\npub use client::Client;\n",
        ),
        (
            "src/client.rs",
            "use crate::wait;\n\npub struct Client;\n\nimpl Client {\n    \
             pub fn wait(&self) {\n        wait::until(self)\n    }\n}\n",
        ),
        (
            "src/wait.rs",
            "use crate::Client;\n\npub fn until(_client: &Client) {}\n",
        ),
    ];
    assert_eq!(
        report(&files, Options::default()),
        ["src/lib.rs: client -> wait -> client\n    \
          client -> wait: src/client.rs:1: use crate::wait\n    \
          wait -> client: src/wait.rs:1: use crate::Client → client::Client"]
    );
}

#[test]
fn a_re_export_is_not_an_edge_of_the_module_that_makes_it() {
    // a passes b's B on and b uses a's A: no cycle. c uses B through a: that is c -> b,
    // and b uses c.
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("src/a.rs", "pub use crate::b::B;\npub struct A;\n"),
        (
            "src/b.rs",
            "use crate::a::A;\npub struct B(A, crate::c::C);\n",
        ),
        ("src/c.rs", "use crate::a::B;\npub struct C;\n"),
    ];
    assert_eq!(
        report(&files, Options::default()),
        ["src/lib.rs: b -> c -> b\n    \
          b -> c: src/b.rs:2: crate::c::C\n    \
          c -> b: src/c.rs:1: use crate::a::B → b::B"]
    );
}

#[test]
fn a_cycle_through_a_mod_rs_facade_is_reported() {
    // net/mod.rs only re-exports; the edge net -> app comes from its child conn.rs.
    let files = [
        ("src/lib.rs", "mod app;\nmod net;\n"),
        ("src/net/mod.rs", "mod conn;\npub use conn::Conn;\n"),
        (
            "src/net/conn.rs",
            "use crate::app::Settings;\npub struct Conn(Settings);\n",
        ),
        (
            "src/app.rs",
            "pub struct Settings;\npub fn open() -> crate::net::Conn {\n    todo!()\n}\n",
        ),
    ];
    assert_eq!(
        report(&files, Options::default()),
        ["src/lib.rs: app -> net -> app\n    \
          app -> net: src/app.rs:2: crate::net::Conn → net::conn::Conn\n    \
          net -> app: src/net/conn.rs:1: use crate::app::Settings"]
    );
}

#[test]
fn a_facade_re_exporting_its_children_has_no_cycle_inside() {
    let files = [
        ("src/lib.rs", "mod net;\npub use net::{Conn, Pool};\n"),
        (
            "src/net/mod.rs",
            "mod conn;\nmod pool;\npub use conn::Conn;\npub use pool::Pool;\n",
        ),
        ("src/net/conn.rs", "pub struct Conn;\n"),
        (
            "src/net/pool.rs",
            "use super::Conn;\npub struct Pool(Vec<Conn>);\n",
        ),
    ];
    assert!(chains(&files).is_empty());
}

#[test]
fn a_child_using_its_parent_with_super_is_no_cycle() {
    // The parent defines Store and calls its child; the child's code uses Store.
    let files = [
        ("src/lib.rs", "mod state;\npub use state::Store;\n"),
        (
            "src/state.rs",
            "mod orders;\n\npub struct Store;\n\npub fn run(store: &Store) {\n    \
             orders::create(store)\n}\n",
        ),
        (
            "src/state/orders.rs",
            "use super::Store;\n\npub fn create(_: &Store) {\n    super::run(&crate::Store)\n}\n",
        ),
    ];
    assert!(chains(&files).is_empty());
}

#[test]
fn a_parent_re_exporting_a_child_and_using_it_is_no_cycle() {
    let files = [
        ("src/lib.rs", "mod shapes;\npub use shapes::Circle;\n"),
        (
            "src/shapes/mod.rs",
            "mod circle;\npub use circle::Circle;\n\npub struct Unit;\n\n\
             pub fn unit_circle() -> Circle {\n    Circle::new(Unit)\n}\n",
        ),
        (
            "src/shapes/circle.rs",
            "use super::Unit;\npub struct Circle;\nimpl Circle {\n    \
             pub fn new(_: Unit) -> Self {\n        Circle\n    }\n}\n",
        ),
    ];
    assert!(chains(&files).is_empty());
}

#[test]
fn tests_using_super_star_are_no_cycle_even_when_counted() {
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\n"),
        (
            "src/a.rs",
            "use crate::b::B;\npub fn f() -> B {\n    B\n}\n\n#[cfg(test)]\nmod tests {\n    \
             use super::*;\n\n    #[test]\n    fn t() {\n        let _: B = f();\n    }\n}\n",
        ),
        ("src/b.rs", "pub struct B;\n"),
    ];
    assert!(chains_with(&files, Options { tests: true }).is_empty());
}

#[test]
fn test_code_counts_only_with_the_tests_option() {
    // b's unit tests use a, which uses b: a cycle of the test build only.
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\n"),
        (
            "src/a.rs",
            "use crate::b::B;\npub fn make() -> B {\n    B\n}\n",
        ),
        (
            "src/b.rs",
            "pub struct B;\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n        \
             let _ = crate::a::make();\n    }\n}\n\n#[cfg(test)]\nfn helper() {\n    \
             crate::a::make();\n}\n",
        ),
    ];
    assert!(chains(&files).is_empty());
    assert_eq!(
        report(&files, Options { tests: true }),
        ["src/lib.rs: a -> b -> a\n    \
          a -> b: src/a.rs:1: use crate::b::B\n    \
          b -> a: src/b.rs:7: crate::a::make"]
    );
}

#[test]
fn a_three_module_cycle_is_reported_once() {
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A(B);\n"),
        ("src/b.rs", "use crate::c::C;\npub struct B(C);\n"),
        ("src/c.rs", "pub struct C(Box<crate::a::A>);\n"),
    ];
    assert_eq!(
        report(&files, Options::default()),
        ["src/lib.rs: a -> b -> c -> a\n    \
          a -> b: src/a.rs:1: use crate::b::B\n    \
          b -> c: src/b.rs:1: use crate::c::C\n    \
          c -> a: src/c.rs:1: crate::a::A"]
    );
}

#[test]
fn every_module_of_a_tangle_is_in_a_reported_cycle() {
    // a <-> b and b <-> c: two cycles, each once.
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("src/a.rs", "pub struct A;\nfn f(_: crate::b::B) {}\n"),
        (
            "src/b.rs",
            "pub struct B;\nfn f(_: crate::a::A, _: crate::c::C) {}\n",
        ),
        ("src/c.rs", "pub struct C;\nfn f(_: crate::b::B) {}\n"),
    ];
    assert_eq!(
        chains(&files),
        ["src/lib.rs: a -> b -> a", "src/lib.rs: b -> c -> b"]
    );
}

#[test]
fn a_cycle_between_nested_siblings_is_reported_in_their_parent() {
    let files = [
        ("src/lib.rs", "mod ffi;\n"),
        ("src/ffi/mod.rs", "mod args;\nmod types;\n"),
        (
            "src/ffi/args.rs",
            "use super::types::Handle;\npub fn arg() {}\n",
        ),
        (
            "src/ffi/types.rs",
            "pub struct Handle;\nfn f() {\n    super::args::arg()\n}\n",
        ),
    ];
    assert_eq!(
        chains(&files),
        ["src/lib.rs: ffi::args -> ffi::types -> ffi::args"]
    );
}

#[test]
fn inline_modules_and_path_attributes_are_modules() {
    let files = [
        (
            "src/lib.rs",
            "mod outer {\n    pub mod x {\n        pub struct X(crate::y::Y);\n    }\n}\n\
             #[path = \"elsewhere/why.rs\"]\nmod y;\n",
        ),
        ("src/elsewhere/why.rs", "mod deep;\npub struct Y;\n"),
        ("src/elsewhere/deep.rs", "fn f(_: crate::outer::x::X) {}\n"),
    ];
    assert_eq!(chains(&files), ["src/lib.rs: outer -> y -> outer"]);
}

#[test]
fn paths_in_macro_arguments_and_macro_rules_count() {
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        (
            "src/a.rs",
            "pub fn name() -> String {\n    format!(\"{}\", crate::b::NAME)\n}\n",
        ),
        (
            "src/b.rs",
            "pub const NAME: &str = \"b\";\nmacro_rules! call {\n    () => {\n        \
             $crate::a::name()\n    };\n}\npub(crate) use call;\n",
        ),
        ("src/c.rs", "fn f() {\n    crate::b::call!();\n}\n"),
    ];
    assert_eq!(chains(&files), ["src/lib.rs: a -> b -> a"]);
}

#[test]
fn a_glob_import_from_a_sibling_is_an_edge() {
    let files = [
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", "use crate::b::*;\npub struct A;\n"),
        ("src/b.rs", "pub struct B;\nfn f(_: crate::a::A) {}\n"),
    ];
    assert_eq!(chains(&files), ["src/lib.rs: a -> b -> a"]);
}

#[test]
fn other_crates_and_the_prelude_are_outside_the_graph() {
    // `lib::b` is the library's module b, reached by the binary from outside: not crate::b.
    let files = [
        ("src/main.rs", "mod a;\nmod b;\n"),
        (
            "src/a.rs",
            "use lib::b::Thing;\nuse std::fmt;\npub fn run() {}\n",
        ),
        (
            "src/b.rs",
            "pub fn go() {\n    crate::a::run();\n    let _ = Option::<u8>::None;\n}\n",
        ),
    ];
    assert!(chains(&files).is_empty());
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let files = [("src/lib.rs", "mod a;\n"), ("src/a.rs", "pub fn f( {\n")];
    let error = check_files(&files, Options::default())
        .err()
        .expect("an error");
    assert!(error.starts_with("src/a.rs:"), "{error}");
}

#[test]
fn a_missing_module_file_is_an_error() {
    let files = [("src/lib.rs", "mod gone;\n")];
    let error = check_files(&files, Options::default())
        .err()
        .expect("an error");
    assert!(
        error.contains("`mod gone;` has neither src/gone.rs nor src/gone/mod.rs"),
        "{error}"
    );
}

#[test]
fn a_source_directory_with_a_library_and_a_binary_is_two_crates() {
    let dir = std::env::temp_dir().join(format!("module-cycles-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod a;\nmod b;\n");
    write("a.rs", "use crate::b::B;\npub struct A;\n");
    write("b.rs", "pub struct B;\n");
    write("main.rs", "mod b;\nuse sim::a::A;\n");
    write("bin/tool.rs", "fn main() {}\n");
    let roots = crate_roots(&dir);
    let checked: Result<Vec<usize>, String> = roots
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|root| check(root, Options::default()).map(|c| c.len()))
        .collect();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        roots.unwrap(),
        [
            dir.join("lib.rs"),
            dir.join("main.rs"),
            dir.join("bin/tool.rs")
        ]
    );
    assert_eq!(checked.unwrap(), [0, 0, 0]);
}
