//! One JSON log line: `timestamp`, `level`, `message`, `target`, the keys Lambda teams filter
//! by (`coldStart`, the function's, `service`, `correlationId`, `samplingRate`), then every
//! field of the line and of the spans it happened in, the innermost value winning.
//!
//! Lines written as they are logged (`json_format.rs`) and held lines written later
//! (`held.rs`) are made by the same [`write_line`].

use super::keys::LineKeys;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::fmt;
use std::time::SystemTime;
use tracing::Level;

/// The keys a JSON line sets itself; a field of the same name is kept under `fields.NAME`.
const OWN_KEYS: [&str; 12] = [
    "timestamp",
    "level",
    "message",
    "target",
    "coldStart",
    "functionName",
    "functionVersion",
    "functionMemorySize",
    "functionArn",
    "service",
    "correlationId",
    "samplingRate",
];

/// What one line is made of.
pub(crate) struct LineParts<'a> {
    pub(crate) at: SystemTime,
    pub(crate) level: &'a Level,
    pub(crate) target: &'a str,
    /// The spans' and the event's fields, `message` among them.
    pub(crate) fields: Map<String, Value>,
}

/// Merges spans' fields (JSON objects as `JsonFields` wrote them, root first) into `fields`,
/// the inner ones winning, then the event's own over them.
pub(crate) fn span_fields<'a>(spans: impl Iterator<Item = &'a str>) -> Map<String, Value> {
    let mut fields = Map::new();
    for formatted in spans {
        merge_span_fields(&mut fields, formatted);
    }
    fields
}

/// Merges one span's fields into `fields`, over what is there.
pub(crate) fn merge_span_fields(fields: &mut Map<String, Value>, formatted: &str) {
    // A span without fields has an empty string, not `{}`.
    if let Ok(Value::Object(span_fields)) = serde_json::from_str(formatted) {
        fields.extend(span_fields);
    }
}

/// Appends one line (and its newline) to `out`.
pub(crate) fn write_line(out: &mut String, mut parts: LineParts<'_>, keys: &LineKeys<'_>) -> fmt::Result {
    let message = parts.fields.remove("message");
    let line = Line {
        timestamp: rfc3339(parts.at),
        level: parts.level.as_str(),
        message,
        target: parts.target,
        keys,
        fields: parts.fields,
    };
    out.push_str(&serde_json::to_string(&line).map_err(|_| fmt::Error)?);
    out.push('\n');
    Ok(())
}

/// A time as `2026-12-03T14:00:20.123456Z`, as `tracing-subscriber` writes its timestamps.
pub(crate) fn rfc3339(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// One JSON log line.
struct Line<'a> {
    timestamp: String,
    level: &'a str,
    message: Option<Value>,
    target: &'a str,
    keys: &'a LineKeys<'a>,
    fields: Map<String, Value>,
}

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("timestamp", &self.timestamp)?;
        map.serialize_entry("level", self.level)?;
        map.serialize_entry("message", self.message.as_ref().unwrap_or(&Value::Null))?;
        map.serialize_entry("target", self.target)?;
        let LineKeys { config, invocation } = self.keys;
        if let Some(invocation) = invocation {
            map.serialize_entry("coldStart", &invocation.cold_start)?;
        }
        if let Some(function) = &config.function {
            if let Some(name) = &function.name {
                map.serialize_entry("functionName", name)?;
            }
            if let Some(version) = &function.version {
                map.serialize_entry("functionVersion", version)?;
            }
            if let Some(size) = function.memory_size {
                map.serialize_entry("functionMemorySize", &size)?;
            }
            if let Some(invocation) = invocation.as_ref().filter(|i| !i.function_arn.is_empty()) {
                map.serialize_entry("functionArn", invocation.function_arn)?;
            }
        }
        if let Some(service) = &config.service {
            map.serialize_entry("service", service)?;
        }
        if let Some(id) = invocation.as_ref().and_then(|i| i.correlation_id) {
            map.serialize_entry("correlationId", id)?;
        }
        if config.sampling_rate > 0.0 {
            map.serialize_entry("samplingRate", &config.sampling_rate)?;
        }
        for (key, value) in &self.fields {
            if OWN_KEYS.contains(&key.as_str()) {
                map.serialize_entry(&format!("fields.{key}"), value)?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}
