//! The JSON line of each event as it is logged: `tracing-subscriber`'s event formatter, over
//! [`write_line`], with the keys of the invocation the line is written in.

use super::config::LogConfig;
use super::invocation::with_current;
use super::json_line::{LineParts, merge_span_fields, write_line};
use super::keys::LineKeys;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;
use tracing::{Event, Subscriber};
use tracing_serde::fields::AsMap;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Writes each event as one JSON line, as it is logged.
pub(crate) struct JsonLine {
    pub(crate) config: Arc<LogConfig>,
}

impl<S> FormatEvent<S, JsonFields> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Map::new();
        if let Some(scope) = context.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                if let Some(formatted) = extensions.get::<FormattedFields<JsonFields>>() {
                    merge_span_fields(&mut fields, &formatted.fields);
                }
            }
        }
        if let Ok(Value::Object(event_fields)) = serde_json::to_value(event.field_map()) {
            fields.extend(event_fields);
        }
        let parts = LineParts {
            at: SystemTime::now(),
            level: event.metadata().level(),
            target: event.metadata().target(),
            fields,
        };
        let mut text = String::with_capacity(256);
        let mut parts = Some(parts);
        let mut format = |keys: &LineKeys<'_>| match parts.take() {
            Some(parts) => write_line(&mut text, parts, keys),
            None => Ok(()),
        };
        match with_current(|invocation| format(&invocation.keys())) {
            Some(written) => written?,
            None => format(&LineKeys {
                config: &self.config,
                invocation: None,
            })?,
        }
        writer.write_str(&text)
    }
}
