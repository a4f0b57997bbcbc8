//! Each chapter of the guide (`cloud-events-lambda/src/_guide/*.md`) has one example marked
//! `<!-- example crate: features = [...] -->`: it is built here as a crate of its own, as a
//! newcomer who read only that page would build it (this workspace's `Cargo.lock`, the
//! features the marker names and nothing else, `serde`, `serde_json`, `tokio` and `tracing`,
//! plus what the marker's `[dependencies]` adds), and run: its checks are its `main`.
//!
//! The doc tests already compile and run every example inside this workspace, where Cargo
//! unifies features across members (the tests enable `idempotency-dynamodb` and
//! `opentelemetry-sigv4`): this test is what shows that a chapter's example needs only the
//! features it names.
//!
//! The scratch crates and their shared target folder stay in `target/tmp` between runs.

use cloud_events_tests::{doc_test_line, workspace_root};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One chapter's marked example.
#[derive(Debug)]
struct Example {
    chapter: String,
    features: Vec<String>,
    dependencies: String,
    code: String,
}

/// The marked example of `markdown` (the chapter `chapter`), or why there is none.
fn example_of(chapter: &str, markdown: &str) -> Result<Example, String> {
    const MARKER: &str = "<!-- example crate:";
    let mut found = markdown.match_indices(MARKER).map(|(at, _)| at);
    let at = found.next().ok_or("no `<!-- example crate: ... -->` marker")?;
    if found.next().is_some() {
        return Err("more than one example crate marker".to_owned());
    }
    let rest = &markdown[at + MARKER.len()..];
    let end = rest.find("-->").ok_or("the marker is not closed")?;
    let (header, after) = (&rest[..end], &rest[end + 3..]);
    let (first, more) = header.split_once('\n').unwrap_or((header, ""));
    let features = first
        .trim()
        .strip_prefix("features = [")
        .and_then(|list| list.strip_suffix(']'))
        .ok_or_else(|| format!("the marker's first line is `features = [...]`, not {first:?}"))?
        .split(',')
        .map(|feature| feature.trim().trim_matches('"').to_owned())
        .filter(|feature| !feature.is_empty())
        .collect();
    let dependencies = more
        .trim()
        .strip_prefix("[dependencies]")
        .unwrap_or(more.trim())
        .trim()
        .to_owned();
    let fence = after.trim_start();
    if !fence.starts_with("```rust") {
        return Err("the marker is not followed by a Rust code block".to_owned());
    }
    let body = &fence[fence.find('\n').ok_or("an empty code block")? + 1..];
    let body = &body[..body.find("\n```").ok_or("the code block is not closed")? + 1];
    // rustdoc's hidden lines are part of the program.
    let code = body
        .lines()
        .map(|line| doc_test_line(line).1)
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Example {
        chapter: chapter.to_owned(),
        features,
        dependencies,
        code,
    })
}

/// Writes the example's crate; its folder.
fn write_crate(example: &Example, root: &Path) -> PathBuf {
    let folder = root.join(&example.chapter);
    std::fs::create_dir_all(folder.join("src")).expect("scratch folder");
    let quoted: Vec<String> = example.features.iter().map(|f| format!("{f:?}")).collect();
    let forwarded: String = example
        .features
        .iter()
        .map(|f| format!("{f} = [\"cloud-events-lambda/{f}\"]\n"))
        .collect();
    let manifest = format!(
        r#"[package]
name = "guide-{chapter}"
version = "0.0.0"
edition = "2024"
publish = false

[features]
default = [{default}]
{forwarded}
[dependencies]
cloud-events-lambda = {{ path = {lambda:?} }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
tracing = "0.1"
{extra}

[workspace]
"#,
        chapter = example.chapter.replace('_', "-"),
        default = quoted.join(", "),
        lambda = workspace_root().join("cloud-events-lambda").display().to_string(),
        extra = example.dependencies,
    );
    std::fs::write(folder.join("Cargo.toml"), manifest).expect("manifest");
    if !folder.join("Cargo.lock").exists() {
        std::fs::copy(workspace_root().join("Cargo.lock"), folder.join("Cargo.lock")).expect("lock file");
    }
    std::fs::write(folder.join("src/main.rs"), &example.code).expect("main.rs");
    folder
}

// One test, so that the builds share their target folder one at a time.
#[test]
fn every_chapter_example_builds_and_runs_as_a_crate_of_its_own() {
    let chapters_dir = workspace_root().join("cloud-events-lambda/src/_guide");
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(&chapters_dir)
        .expect("the guide's folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    chapters.sort();
    assert!(chapters.len() >= 11, "{chapters:?}");
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guide-examples");
    let target = root.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut failures = Vec::new();
    let mut with_features = 0;
    for path in &chapters {
        let chapter = path.file_stem().unwrap().to_string_lossy().into_owned();
        let markdown = std::fs::read_to_string(path).expect("chapter");
        let example = match example_of(&chapter, &markdown) {
            Ok(example) => example,
            Err(why) => {
                failures.push(format!("{chapter}: {why}"));
                continue;
            }
        };
        with_features += usize::from(!example.features.is_empty());
        // Code gated on a feature the marker does not turn on would be compiled out here, and
        // its checks would pass unseen.
        for (at, _) in example.code.match_indices("feature = \"") {
            let named = &example.code[at + 11..];
            let named = &named[..named.find('"').unwrap_or(0)];
            if !example.features.iter().any(|feature| feature == named) {
                failures.push(format!(
                    "{chapter}: the example is gated on `{named}`, which its marker does not name"
                ));
            }
        }
        let folder = write_crate(&example, &root);
        let ran = Command::new(&cargo)
            .args(["run", "--quiet"])
            .current_dir(&folder)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            // The example's checks are its `main`; nothing of Lambda's environment.
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .output()
            .expect("cargo runs");
        if !ran.status.success() {
            failures.push(format!(
                "{chapter} (features {:?}, crate in {}): {}",
                example.features,
                folder.display(),
                String::from_utf8_lossy(&ran.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        with_features >= 4,
        "the examples of features' chapters name their features"
    );
}

#[test]
fn the_marker_is_read_as_a_newcomer_would_write_the_crate() {
    let chapter = "<!-- example crate: features = [\"idempotency\", \"opentelemetry\"]\n[dependencies]\nanyhow = \"1\"\n-->\n```rust,standalone_crate\n# fn main() {\nassert!(true);\n##[allow(unused)]\n# }\n```\n";
    let example = example_of("demo", chapter).unwrap();
    assert_eq!(example.features, ["idempotency", "opentelemetry"]);
    assert_eq!(example.dependencies, "anyhow = \"1\"");
    assert_eq!(example.code, "fn main() {\nassert!(true);\n#[allow(unused)]\n}");
    assert!(example_of("demo", "no marker here").is_err());
    let twice = format!("{chapter}{chapter}");
    assert!(example_of("demo", &twice).unwrap_err().contains("more than one"));
}
