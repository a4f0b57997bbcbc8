//! Every misuse of the attributes is a compile error at the offending token that says how to
//! fix it (`ui/fail/NAME.rs` beside its reviewed `NAME.stderr`), and correct uses compile.

#[test]
fn attribute_misuses_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}

/// What the compiler says to a user speaks of what they wrote: no path inside the framework
/// (its hidden module, kind markers, the kinds table's macros, generated items, its source
/// files) appears in any reviewed `.stderr`.
#[test]
fn compile_errors_name_no_internal_path() {
    let internal = [
        "__private",
        "kinds::marker",
        "marker::",
        "kinds!",
        "kinds_table",
        "EventOf",
        "AnyEvent",
        "decode_any",
        "__cloud_events",
        "$WORKSPACE/cloud-events-",
        "cloud_events_core",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/fail");
    let mut checked = 0;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("ui/fail") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "stderr") {
            continue;
        }
        checked += 1;
        let text = std::fs::read_to_string(&path).expect("a .stderr file");
        for needle in internal {
            if text.contains(needle) {
                found.push(format!(
                    "{}: {needle}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(checked >= 30, "only {checked} .stderr files in {}", dir.display());
    assert!(
        found.is_empty(),
        "internal paths in compile errors:\n{}",
        found.join("\n")
    );
}

/// One error per mistake: no message is repeated within one case (each case makes one
/// mistake, or several different ones).
#[test]
fn each_mistake_is_reported_once() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/fail");
    let mut repeated = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("ui/fail") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "stderr") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a .stderr file");
        let heads: Vec<&str> = text.lines().filter(|l| l.starts_with("error")).collect();
        for (i, head) in heads.iter().enumerate() {
            if heads[..i].contains(head) {
                repeated.push(format!("{}: {head}", path.file_name().unwrap().to_string_lossy()));
            }
        }
    }
    assert!(repeated.is_empty(), "errors repeated:\n{}", repeated.join("\n"));
}

/// The guide's table of compile errors (its Handlers chapter) quotes what the compiler prints: each message (up to
/// its `...`) is in a reviewed `.stderr`.
#[test]
fn the_guide_quotes_the_compile_errors_as_printed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let chapter = std::fs::read_to_string(root.join("../cloud-events-lambda/src/_guide/handlers.md"))
        .expect("the guide's Handlers chapter");
    let section = chapter
        .split("## Compile errors you may meet")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the Handlers chapter's compile errors section");
    let mut stderr = String::new();
    for entry in std::fs::read_dir(root.join("ui/fail")).expect("ui/fail") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "stderr") {
            stderr.push_str(&std::fs::read_to_string(&path).expect("a .stderr file"));
        }
    }
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    assert!(rows.len() >= 10, "{rows:?}");
    for row in rows {
        let said = row.split(" | ").nth(1).expect("a message column");
        // The code span's text, without its fence of backticks and padding.
        let fence = said.chars().take_while(|c| *c == '`').count();
        let closing = "`".repeat(fence);
        let end = said[fence..].find(&closing).expect("a closed code span") + fence;
        let inner = said[fence..end].trim();
        let quoted = inner.strip_suffix("...").unwrap_or(inner).trim_end();
        assert!(stderr.contains(quoted), "not in any .stderr: {quoted}");
    }
}
