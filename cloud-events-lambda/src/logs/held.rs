//! Held lines: what a line held for its invocation records (its time, level, target, fields
//! and its spans' fields, nothing formatted), the bounded buffer of them, and how they are
//! written when they are flushed, in JSON or as text.

use super::json_line::{LineParts, rfc3339, span_fields, write_line};
use super::keys::LineKeys;
use serde_json::Value;
use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::SystemTime;
use tracing::Level;
use tracing::field::{Field, Visit};

/// What every held line counts for beyond its text, in the cap.
const LINE_OVERHEAD: usize = 64;

/// Where the framework says that held lines were dropped.
pub(crate) const TARGET: &str = "cloud_events_lambda::logs";

/// A field's value as the line recorded it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue {
    /// A `&str` field (quoted in text lines).
    Str(String),
    /// A `Debug` or `Display` field, formatted (as it is, in text lines).
    Formatted(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

impl FieldValue {
    fn len(&self) -> usize {
        match self {
            FieldValue::Str(text) | FieldValue::Formatted(text) => text.len(),
            _ => 8,
        }
    }

    fn json(&self) -> Value {
        match self {
            FieldValue::Str(text) | FieldValue::Formatted(text) => Value::from(text.as_str()),
            FieldValue::I64(n) => Value::from(*n),
            FieldValue::U64(n) => Value::from(*n),
            FieldValue::F64(n) => Value::from(*n),
            FieldValue::Bool(b) => Value::from(*b),
        }
    }
}

/// One span of a held line: its name and its fields as the log writer formatted them.
#[derive(Debug, Clone)]
pub(crate) struct HeldSpan {
    pub(crate) name: &'static str,
    /// Shared with the span and the other lines held in it.
    pub(crate) fields: Arc<str>,
}

/// A line held for its invocation.
#[derive(Debug)]
pub(crate) struct HeldLine {
    pub(crate) at: SystemTime,
    pub(crate) level: Level,
    pub(crate) target: &'static str,
    /// Root first.
    pub(crate) spans: Vec<HeldSpan>,
    pub(crate) fields: Vec<(&'static str, FieldValue)>,
    /// What it counts for in the cap.
    size: usize,
}

impl HeldLine {
    pub(crate) fn new(
        level: Level,
        target: &'static str,
        spans: Vec<HeldSpan>,
        fields: Vec<(&'static str, FieldValue)>,
    ) -> Self {
        let size = LINE_OVERHEAD
            + target.len()
            + spans.iter().map(|span| span.fields.len()).sum::<usize>()
            + fields
                .iter()
                .map(|(name, value)| name.len() + value.len())
                .sum::<usize>();
        HeldLine {
            at: SystemTime::now(),
            level,
            target,
            spans,
            fields,
            size,
        }
    }

    /// The line in JSON, as it would have been written when it was logged.
    fn json(&self, out: &mut String, keys: &LineKeys<'_>) -> fmt::Result {
        let mut fields = span_fields(self.spans.iter().map(|span| &*span.fields));
        fields.extend(
            self.fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.json())),
        );
        let parts = LineParts {
            at: self.at,
            level: &self.level,
            target: self.target,
            fields,
        };
        write_line(out, parts, keys)
    }

    /// The line as `tracing-subscriber` writes text lines (`TIME LEVEL spans: target:
    /// message fields`), always with its own time.
    fn text(&self, out: &mut String) -> fmt::Result {
        write!(out, "{} {:>5} ", rfc3339(self.at), self.level.as_str())?;
        for span in &self.spans {
            out.push_str(span.name);
            if !span.fields.is_empty() {
                write!(out, "{{{}}}", span.fields)?;
            }
            out.push(':');
        }
        if !self.spans.is_empty() {
            out.push(' ');
        }
        write!(out, "{}: ", self.target)?;
        let mut first = true;
        for (name, value) in &self.fields {
            if !first {
                out.push(' ');
            }
            first = false;
            if *name == "message" {
                match value {
                    FieldValue::Str(text) | FieldValue::Formatted(text) => out.push_str(text),
                    other => write!(out, "{}", other.json())?,
                }
                continue;
            }
            let name = name.strip_prefix("r#").unwrap_or(name);
            match value {
                FieldValue::Str(text) => write!(out, "{name}={text:?}")?,
                FieldValue::Formatted(text) => write!(out, "{name}={text}")?,
                other => write!(out, "{name}={}", other.json())?,
            }
        }
        out.push('\n');
        Ok(())
    }
}

/// Records an event's fields as [`FieldValue`]s, as `tracing-serde` and `tracing-subscriber`
/// read them (an error as its `Display`).
#[derive(Default)]
pub(crate) struct Recorder(pub(crate) Vec<(&'static str, FieldValue)>);

impl Visit for Recorder {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.push((field.name(), FieldValue::F64(value)));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.push((field.name(), FieldValue::I64(value)));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name(), FieldValue::U64(value)));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.push((field.name(), FieldValue::Bool(value)));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name(), FieldValue::Str(value.to_owned())));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .push((field.name(), FieldValue::Formatted(format!("{value:?}"))));
    }
}

/// How held lines are written: the log writer's format and output.
pub(crate) trait HeldOutput: Send + Sync {
    /// Writes `lines` in one write, after a line saying that `dropped` older ones were
    /// dropped (if any were).
    fn write(&self, lines: VecDeque<HeldLine>, dropped: usize, cap: usize, keys: &LineKeys<'_>);
}

/// Formats held lines in one format.
pub(crate) fn format_all(
    json: bool,
    lines: VecDeque<HeldLine>,
    dropped: usize,
    cap: usize,
    keys: &LineKeys<'_>,
) -> String {
    let mut out = String::with_capacity(lines.iter().map(|line| line.size * 2).sum::<usize>() + 256);
    let notice = (dropped > 0).then(|| {
        // In the invocation's outermost span (the runtime's, with the request id).
        let root = lines.front().and_then(|line| line.spans.first()).cloned();
        HeldLine::new(
            Level::WARN,
            TARGET,
            root.into_iter().collect(),
            vec![
                (
                    "message",
                    FieldValue::Formatted(format!(
                        "{dropped} older held log lines of this invocation were dropped: the buffer keeps {cap} bytes of them"
                    )),
                ),
                ("droppedLines", FieldValue::U64(dropped as u64)),
            ],
        )
    });
    for line in notice.iter().chain(&lines) {
        let written = if json {
            line.json(&mut out, keys)
        } else {
            line.text(&mut out)
        };
        if written.is_err() {
            out.push_str("a held log line could not be written\n");
        }
    }
    out
}

/// An invocation's held lines, at most `cap` bytes of them (see [`HeldLine::new`]).
#[derive(Default)]
pub(crate) struct Held {
    lines: VecDeque<HeldLine>,
    bytes: usize,
    dropped: usize,
    cap: usize,
    output: Option<Arc<dyn HeldOutput>>,
}

/// Held lines taken to be written.
pub(crate) struct Taken {
    lines: VecDeque<HeldLine>,
    dropped: usize,
    cap: usize,
    output: Arc<dyn HeldOutput>,
}

impl Taken {
    pub(crate) fn write(self, keys: &LineKeys<'_>) {
        self.output.write(self.lines, self.dropped, self.cap, keys);
    }
}

impl Held {
    /// Holds `line`; past `cap` bytes, the oldest lines go.
    pub(crate) fn hold(&mut self, line: HeldLine, cap: usize, output: &Arc<dyn HeldOutput>) {
        if self.output.is_none() {
            self.output = Some(Arc::clone(output));
        }
        self.cap = cap;
        self.bytes += line.size;
        self.lines.push_back(line);
        while self.bytes > cap {
            let Some(oldest) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= oldest.size;
            self.dropped += 1;
        }
    }

    /// The lines held so far (and how many were dropped), to be written; `None` if there are
    /// none.
    pub(crate) fn take(&mut self) -> Option<Taken> {
        if self.lines.is_empty() && self.dropped == 0 {
            return None;
        }
        let output = Arc::clone(self.output.as_ref()?);
        let taken = Taken {
            lines: std::mem::take(&mut self.lines),
            dropped: std::mem::replace(&mut self.dropped, 0),
            cap: self.cap,
            output,
        };
        self.bytes = 0;
        Some(taken)
    }
}
