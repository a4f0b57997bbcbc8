//! The public items of each crate, as the compiler sees them: rustdoc's JSON output (with every
//! feature, as docs.rs documents them) walked from the crate's root, and checked against the
//! snapshots in `tests/public-api/`. A change to the public surface is then a visible diff in
//! review. Items hidden from the docs (`#[doc(hidden)]`, the macros' `__private` support) are
//! not listed: rustdoc leaves them out, as it does from the rendered pages.
//!
//! Each line is one item: its kind and path, `(no example)` when its documentation has no code
//! block. After a deliberate change: `UPDATE_PUBLIC_API=1 cargo test -p cloud-events-tests
//! --test public_api`.
//!
//! rustdoc's JSON output is unstable: it is asked of the stable toolchain with
//! `RUSTC_BOOTSTRAP=1`, in a target folder of its own under `target/tmp`, and read loosely (the
//! fields read here have been in every format version since 2023).

use cloud_events_tests::workspace_root;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's rustdoc JSON, built with every feature.
fn rustdoc_json(package: &str) -> Value {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["rustdoc", "--quiet", "--lib", "--all-features", "-p", package])
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTDOCFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "rustdoc --output-format json for {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let file = target
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_")));
    serde_json::from_slice(&std::fs::read(&file).expect("rustdoc wrote its JSON")).expect("JSON")
}

/// Lists the public items under the module `id` at `path`.
struct Walk<'a> {
    index: &'a serde_json::Map<String, Value>,
    lines: BTreeSet<String>,
}

impl<'a> Walk<'a> {
    fn item(&self, id: &Value) -> Option<&'a Value> {
        self.index.get(&id_key(id))
    }

    fn line(&mut self, kind: &str, path: &str, item: &Value) {
        self.member(kind, path, item, None);
    }

    /// A line for `item`; a member (method, trait item) of an item whose docs are `owner` counts
    /// as shown by an example when the owner's examples call it, as a field or a variant by
    /// its type's.
    fn member(&mut self, kind: &str, path: &str, item: &Value, owner: Option<&Value>) {
        let docs = item["docs"].as_str().unwrap_or_default();
        let name = item["name"].as_str().unwrap_or_default();
        let called_in_owner = owner
            .and_then(|owner| owner["docs"].as_str())
            .is_some_and(|docs| code_of(docs).contains(&format!("{name}(")));
        let shown = docs.contains("```") || kind == "field" || kind == "variant" || called_in_owner;
        let example = if shown { "" } else { " (no example)" };
        self.lines.insert(format!("{kind} {path}{example}"));
    }

    fn module(&mut self, path: &str, module: &'a Value) {
        for id in module["items"].as_array().into_iter().flatten() {
            let Some(item) = self.item(id) else { continue };
            self.named(path, item["name"].as_str().unwrap_or_default(), item);
        }
    }

    /// Lists `item`, public at `path::name`.
    fn named(&mut self, path: &str, name: &str, item: &'a Value) {
        let here = format!("{path}::{name}");
        let inner = &item["inner"];
        let Some((kind, body)) = inner.as_object().and_then(|o| o.iter().next()) else {
            return;
        };
        match kind.as_str() {
            "module" => {
                self.line("mod", &here, item);
                self.module(&here, body);
            }
            "use" => {
                let source = body["source"].as_str().unwrap_or_default();
                let glob = body["is_glob"].as_bool().unwrap_or(false);
                let name = body["name"].as_str().unwrap_or(name);
                match self.item(&body["id"]) {
                    // An item of this crate, re-exported from a private module: listed
                    // where users name it.
                    Some(target) if glob => self.module(path, &target["inner"]["module"]),
                    Some(target) => self.named(path, name, target),
                    // Another crate's: its own snapshot lists what is inside.
                    None if glob => {
                        self.lines.insert(format!("use {path}::* = {source}::*"));
                    }
                    None => {
                        self.lines.insert(format!("use {path}::{name} = {source}"));
                    }
                }
            }
            "struct" => {
                self.line("struct", &here, item);
                self.members("field", &here, &body["kind"]["plain"]["fields"], item);
                self.inherent(&here, body, item);
            }
            "enum" => {
                self.line("enum", &here, item);
                self.members("variant", &here, &body["variants"], item);
                self.inherent(&here, body, item);
            }
            "trait" => {
                self.line("trait", &here, item);
                self.members("trait item", &here, &body["items"], item);
            }
            "function" => self.line("fn", &here, item),
            "macro" | "proc_macro" => self.line("macro", &here, item),
            "type_alias" => self.line("type", &here, item),
            "constant" => self.line("const", &here, item),
            "static" => self.line("static", &here, item),
            "union" => self.line("union", &here, item),
            other => self.line(other, &here, item),
        }
    }

    /// The members (`ids`, an array of ids) of `owner`, public at `path`.
    fn members(&mut self, kind: &str, path: &str, ids: &'a Value, owner: &'a Value) {
        for id in ids.as_array().into_iter().flatten() {
            if let Some(member) = self.item(id) {
                let name = member["name"].as_str().unwrap_or_default();
                self.member(kind, &format!("{path}::{name}"), member, Some(owner));
            }
        }
    }

    /// The methods and constants of the type's inherent impls.
    fn inherent(&mut self, path: &str, body: &'a Value, owner: &'a Value) {
        for id in body["impls"].as_array().into_iter().flatten() {
            let Some(block) = self.item(id) else { continue };
            let block = &block["inner"]["impl"];
            if !block["trait"].is_null() || block["is_synthetic"].as_bool() == Some(true) {
                continue;
            }
            for member in block["items"].as_array().into_iter().flatten() {
                if let Some(member) = self.item(member) {
                    let name = member["name"].as_str().unwrap_or_default().to_owned();
                    let kind = if member["inner"].get("function").is_some() {
                        "fn"
                    } else {
                        "const"
                    };
                    self.member(kind, &format!("{path}::{name}"), member, Some(owner));
                }
            }
        }
    }
}

/// The code blocks of Markdown documentation.
fn code_of(docs: &str) -> String {
    docs.split("```").skip(1).step_by(2).collect()
}

fn id_key(id: &Value) -> String {
    match id {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn public_items(package: &str) -> String {
    let json = rustdoc_json(package);
    let index = json["index"].as_object().expect("an index");
    let root = index.get(&id_key(&json["root"])).expect("the root module");
    let mut walk = Walk {
        index,
        lines: BTreeSet::new(),
    };
    let name = root["name"].as_str().expect("the crate's name").to_owned();
    walk.line("crate", &name, root);
    walk.module(&name, &root["inner"]["module"]);
    let mut text: String = walk.lines.into_iter().map(|line| line + "\n").collect();
    text.insert_str(
        0,
        &format!("# The public items of {package}, with every feature: tests/tests/public_api.rs\n"),
    );
    text
}

fn snapshot(package: &str) -> PathBuf {
    workspace_root()
        .join("tests/public-api")
        .join(format!("{package}.txt"))
}

fn check(package: &str) -> String {
    let items = public_items(package);
    let path = snapshot(package);
    if std::env::var_os("UPDATE_PUBLIC_API").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &items).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if items != expected {
        let old: BTreeSet<&str> = expected.lines().collect();
        let new: BTreeSet<&str> = items.lines().collect();
        let added: Vec<&&str> = new.difference(&old).collect();
        let removed: Vec<&&str> = old.difference(&new).collect();
        panic!(
            "the public items of {package} changed; if that is meant: `UPDATE_PUBLIC_API=1 cargo test -p cloud-events-tests --test public_api`\nadded: {added:#?}\nremoved: {removed:#?}"
        );
    }
    items
}

// One test, so that the rustdoc runs share their target folder one at a time.
#[test]
fn the_public_items_of_each_crate_are_the_snapshots() {
    let lambda = check("cloud-events-lambda");
    let core = check("cloud-events-core");
    let macros = check("cloud-events-macros");
    // What only the macros and the runtime use is not among them.
    for machinery in [
        "FactoryRegistration",
        "::Param",
        "::Filter",
        "::Pattern",
        "::Scope",
        "__private",
    ] {
        assert!(!lambda.contains(machinery), "{machinery} is listed:\n{lambda}");
    }
    // What users touch is.
    for user_facing in [
        "struct cloud_events_lambda::App",
        "struct cloud_events_lambda::Invocation",
        "struct cloud_events_lambda::Dispatcher",
        "enum cloud_events_lambda::Selection",
        "mod cloud_events_lambda::_guide::batches",
    ] {
        assert!(lambda.contains(user_facing), "{user_facing} is not listed");
    }
    assert!(core.contains("enum cloud_events_core::kinds::Kind"), "{core}");
    assert!(macros.contains("macro cloud_events_macros::on_event"), "{macros}");
    // Every public item is documented with an example, but for these, for the reason given.
    let without: Vec<&str> = [lambda.as_str(), core.as_str(), macros.as_str()]
        .into_iter()
        .flat_map(str::lines)
        .filter_map(|line| line.strip_suffix(" (no example)"))
        .filter(|line| !WITHOUT_EXAMPLE.iter().any(|(item, _)| line == item))
        .collect();
    assert!(
        without.is_empty(),
        "public items without an example: {without:#?}"
    );
}

/// The public items that have no example of their own, and why.
const WITHOUT_EXAMPLE: &[(&str, &str)] = &[
    (
        "mod cloud_events_lambda::_guide",
        "the guide's table of contents; each chapter has examples",
    ),
    (
        "crate cloud_events_macros",
        "used through cloud-events-lambda, which re-exports each attribute with its example: a doc test here cannot depend on it",
    ),
    (
        "macro cloud_events_macros::on_event",
        "re-exported by cloud-events-lambda with its example",
    ),
    (
        "macro cloud_events_macros::on_cloudevent",
        "re-exported by cloud-events-lambda with its example",
    ),
    (
        "macro cloud_events_macros::dependency",
        "re-exported by cloud-events-lambda with its example",
    ),
];
