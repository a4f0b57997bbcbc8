//! The README and the guide cannot drift from the code, nor from each other: the guide's
//! tables are generated from the kinds table, the README's list of chapters from the guide's
//! own, and what the README keeps of the guide (the five-minute example, the performance
//! figures) is checked to say the same thing. Its first commands are the ones CI and
//! newcomers run.
//!
//! After changing the kinds table or the chapters:
//! `UPDATE_README=1 cargo test -p cloud-events-tests --test readme`.

use cloud_events_lambda::Kind;
use cloud_events_tests::{
    adapters_markdown_table, doc_test_line, idempotency_keys_markdown_table, kinds_markdown_table,
    workspace_root,
};
use std::path::{Path, PathBuf};

fn guide(chapter: &str) -> PathBuf {
    workspace_root().join(format!("cloud-events-lambda/src/_guide/{chapter}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_kinds_chapter_table_matches_the_kinds_table() {
    check_generated(&guide("kinds.md"), "kinds-table", &kinds_markdown_table());
}

#[test]
fn the_idempotency_chapter_keys_match_the_kinds() {
    check_generated(
        &guide("idempotency.md"),
        "idempotency-keys",
        &idempotency_keys_markdown_table(),
    );
}

#[test]
fn the_cloudevents_chapter_adapters_table_matches_the_mappings() {
    check_generated(
        &guide("cloudevents.md"),
        "adapters-table",
        &adapters_markdown_table(),
    );
}

#[test]
fn readme_kinds_at_a_glance_are_every_route_key() {
    let mut text = String::new();
    let mut line = String::new();
    for kind in Kind::ALL {
        let item = format!("`{}`", kind.key());
        if !line.is_empty() && line.len() + item.len() + 2 > 96 {
            text.push_str(&line);
            text.push_str(",\n");
            line.clear();
        }
        if !line.is_empty() {
            line.push_str(", ");
        }
        line.push_str(&item);
    }
    text.push_str(&line);
    text.push_str(".\n");
    check_generated(&workspace_root().join("README.md"), "kinds-glance", &text);
}

/// The guide's chapters, from the map in `_guide/mod.rs`: (number, title, module, what).
fn chapters() -> Vec<(String, String, String, String)> {
    let map = read(&guide("mod.rs"));
    map.lines()
        .filter_map(|line| line.strip_prefix("//! | "))
        .filter_map(|row| {
            // `N. [Title](module) | what |`
            let (number, rest) = row.split_once(". [")?;
            let (title, rest) = rest.split_once("](")?;
            let (module, rest) = rest.split_once(") | ")?;
            let what = rest.strip_suffix(" |")?;
            Some((
                number.to_owned(),
                title.to_owned(),
                module.to_owned(),
                what.to_owned(),
            ))
        })
        .collect()
}

#[test]
fn readme_lists_every_chapter_of_the_guide() {
    let chapters = chapters();
    assert!(
        chapters.len() >= 11,
        "the guide's map lists its chapters: {chapters:?}"
    );
    let map = read(&guide("mod.rs"));
    let modules: Vec<&str> = map
        .lines()
        .filter_map(|line| line.strip_prefix("pub mod ")?.strip_suffix(" {}"))
        .collect();
    let listed: Vec<&str> = chapters.iter().map(|(_, _, module, _)| module.as_str()).collect();
    assert_eq!(listed, modules, "the map lists every chapter module, in order");
    let mut table = String::from("| chapter | what it tells |\n| --- | --- |\n");
    for (number, title, module, what) in &chapters {
        assert!(
            guide(&format!("{module}.md")).is_file(),
            "chapter {module} has its page"
        );
        table.push_str(&format!(
            "| {number}. [{title}](cloud-events-lambda/src/_guide/{module}.md) | {what} |\n"
        ));
    }
    check_generated(&workspace_root().join("README.md"), "guide-chapters", &table);
}

/// The code blocks of a Markdown section (from its heading to the next of the same level),
/// with rustdoc's hidden lines (`# ...`) left out: what a reader sees.
fn visible_code(markdown: &str, heading: &str) -> Vec<String> {
    let level = heading.split(' ').next().unwrap();
    let mut lines = markdown.lines().skip_while(|line| *line != heading);
    assert!(lines.next().is_some(), "no heading {heading:?}");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in lines {
        if line.starts_with("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some(String::new()),
            }
            continue;
        }
        match current.as_mut() {
            // A heading of the same level, outside a code block, ends the section.
            None if line.starts_with(&format!("{level} ")) => break,
            None => {}
            // What a reader sees: rustdoc's hidden lines left out.
            Some(block) if !doc_test_line(line).0 => {
                block.push_str(line);
                block.push('\n');
            }
            Some(_) => {}
        }
    }
    blocks
}

#[test]
fn readme_five_minutes_are_the_crate_docs_five_minutes() {
    let readme = read(&workspace_root().join("README.md"));
    let crate_docs = read(&workspace_root().join("cloud-events-lambda/src/lib.md"));
    let ours = visible_code(&readme, "## Five minutes");
    let theirs = visible_code(&crate_docs, "# Five minutes");
    assert_eq!(
        ours.len(),
        2,
        "the README's five minutes: a manifest and the code"
    );
    assert_eq!(
        ours, theirs,
        "the README and the crate docs show the same five minutes"
    );
}

#[test]
fn readme_performance_figures_are_the_guides() {
    let readme = read(&workspace_root().join("README.md"));
    let start = readme
        .find("## Performance\n")
        .expect("README has a Performance section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let chapter = read(&guide("performance.md")).replace('\n', " ");
    let figures: Vec<&str> = section
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',' || c == ';')
        .filter(|word| word.ends_with('x') && word[..word.len() - 1].parse::<f64>().is_ok())
        .collect();
    assert!(figures.len() >= 8, "{figures:?}");
    for figure in figures {
        assert!(
            chapter.contains(&format!("{figure} ")) || chapter.contains(&format!("{figure},")),
            "the README's figure {figure} is not in the Performance chapter"
        );
    }
}

#[test]
fn readme_is_short_and_its_links_resolve() {
    let readme = read(&workspace_root().join("README.md"));
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "the README has {lines} lines; the guide is the place for more"
    );
    let mut links = 0;
    for (at, _) in readme.match_indices("](") {
        let target = &readme[at + 2..];
        let target = &target[..target.find(')').unwrap()];
        if target.starts_with("http") || target.starts_with('#') {
            continue;
        }
        links += 1;
        assert!(
            workspace_root().join(target).exists(),
            "the README links to {target}, which does not exist"
        );
    }
    assert!(links >= 16, "the README links to each chapter ({links} links)");
}

/// The text of `file` between `<!-- NAME:start ... -->` and `<!-- NAME:end -->` is `expected`.
fn check_generated(file: &Path, name: &str, expected: &str) {
    // Tests run in parallel: one read-modify-write of a file at a time.
    static FILES: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = FILES.lock().unwrap_or_else(|p| p.into_inner());
    let start_text = format!("<!-- {name}:start (generated by tests/tests/readme.rs) -->\n");
    let end_text = format!("<!-- {name}:end -->");
    let text = read(file);
    let start = text
        .find(&start_text)
        .unwrap_or_else(|| panic!("{} has the {name} start marker", file.display()))
        + start_text.len();
    let end = text[start..]
        .find(&end_text)
        .unwrap_or_else(|| panic!("{} has the {name} end marker", file.display()))
        + start;
    if text[start..end] != *expected {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &text[..start], expected, &text[end..]);
            std::fs::write(file, updated).expect("the file is writable");
            return;
        }
        panic!(
            "{}'s {name} is out of date; run `UPDATE_README=1 cargo test -p cloud-events-tests --test readme`\nexpected:\n{expected}",
            file.display()
        );
    }
}

#[test]
fn readme_opens_with_the_two_commands() {
    let readme = read(&workspace_root().join("README.md"));
    let head: String = readme.lines().take(15).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("cargo run -p books -- invoke examples/books/events/s3-put.json"),
        "{head}"
    );
    assert!(head.contains("cargo test --workspace"), "{head}");
    let ci = read(&workspace_root().join(".ci/run"));
    assert!(
        ci.contains("cargo test --workspace"),
        "CI runs the README's test command"
    );
}
