//! Helpers shared by the cross-crate tests.

use std::path::{Path, PathBuf};

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A fixture under `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// The shared corpus named by `CLOUD_EVENTS_CORPUS`, resolved against the workspace root when
/// relative (CI exports `../shared/corpus`).
pub fn corpus() -> Option<PathBuf> {
    let value = std::env::var_os("CLOUD_EVENTS_CORPUS")?;
    let path = PathBuf::from(value);
    if path.is_absolute() {
        return Some(path);
    }
    let from_cwd = std::env::current_dir().ok()?.join(&path);
    if from_cwd.exists() {
        Some(from_cwd)
    } else {
        Some(workspace_root().join(path))
    }
}

/// The kinds table as the README shows it, generated from [`Kind::ALL`].
///
/// [`Kind::ALL`]: cloud_events_lambda::Kind::ALL
pub fn kinds_markdown_table() -> String {
    let mut table = String::from(
        "| route key | event | marker (first matching row wins) | handler receives |\n| --- | --- | --- | --- |\n",
    );
    for kind in cloud_events_lambda::Kind::ALL {
        table.push_str(&format!(
            "| `{}` | {} | {} | `{}` |\n",
            kind.key(),
            kind.title(),
            kind.marker(),
            kind.event_type()
        ));
    }
    table
}
