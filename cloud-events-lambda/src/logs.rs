//! Logs as Lambda's logging controls ask: the format (`AWS_LAMBDA_LOG_FORMAT`), the level
//! (`AWS_LAMBDA_LOG_LEVEL`, or `RUST_LOG` when set), and what one line carries.
//!
//! Text lines are `tracing-subscriber`'s own format. A JSON line is one object written by
//! `serde_json`: `timestamp`, `level`, `message`, `target`, then every field of the event and
//! of the spans it happened in as keys of their own (`lambda_runtime`'s span gives
//! `requestId` and `xrayTraceId`; ours give `route` and `handler`), the innermost value
//! winning. Spans' fields are kept as JSON by `tracing-subscriber`'s `JsonFields`.

use crate::error::StartupError;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::fmt;
use tracing::{Event, Level, Subscriber};
use tracing_serde::fields::AsMap;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;

/// `lambda_runtime`'s span of each invocation (it carries `requestId`), at INFO level.
const REQUEST_SPAN_TARGET: &str = "lambda_runtime::layers::trace";
/// Where `lambda_runtime` traces each raw payload (at TRACE level).
const PAYLOAD_TRACE_TARGET: &str = "lambda_runtime::layers::api_response";
/// Where `lambda_runtime` reports a handler's panic a second time (the dispatcher logs it).
const PANIC_TARGET: &str = "lambda_runtime::layers::panic";

/// The keys a JSON line sets itself; an event's field of the same name is kept under
/// `fields.NAME`.
const OWN_KEYS: [&str; 4] = ["timestamp", "level", "message", "target"];

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    /// `tracing-subscriber`'s readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

/// What the environment asks of the logs.
#[derive(Debug)]
pub(crate) struct LogSettings {
    pub(crate) format: LogFormat,
    pub(crate) filter: Targets,
    /// Whether text lines start with a timestamp (not on Lambda: CloudWatch stamps each line).
    pub(crate) timestamps: bool,
}

impl LogSettings {
    /// Reads `AWS_LAMBDA_LOG_FORMAT` (`Text` or `JSON`, any case; default text),
    /// `AWS_LAMBDA_LOG_LEVEL` (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL`, any case;
    /// `FATAL` logs errors) and `RUST_LOG` (`tracing-subscriber`'s `Targets` syntax, such as
    /// `info,my_app=debug`), which wins over the level when set. A value none of these
    /// allows is a start-up error, not a silent default.
    pub(crate) fn from_env(
        var: impl Fn(&str) -> Option<String>,
        on_lambda: bool,
        log_payloads: bool,
    ) -> Result<Self, StartupError> {
        let format = match var("AWS_LAMBDA_LOG_FORMAT") {
            None => LogFormat::Text,
            Some(value) if value.eq_ignore_ascii_case("text") => LogFormat::Text,
            Some(value) if value.eq_ignore_ascii_case("json") => LogFormat::Json,
            Some(value) => {
                return Err(StartupError::InvalidLogSetting {
                    variable: "AWS_LAMBDA_LOG_FORMAT",
                    value,
                    expected: "`Text` or `JSON`".to_owned(),
                });
            }
        };
        let rust_log = var("RUST_LOG").filter(|value| !value.trim().is_empty());
        let filter = match (rust_log, var("AWS_LAMBDA_LOG_LEVEL")) {
            (Some(directives), _) => {
                directives
                    .parse::<Targets>()
                    .map_err(|error| StartupError::InvalidLogSetting {
                        variable: "RUST_LOG",
                        value: directives.clone(),
                        expected: format!("comma-separated `level` or `target=level` directives ({error})"),
                    })?
            }
            (None, Some(level)) => quiet_opentelemetry(Targets::new().with_default(lambda_level(&level)?)),
            (None, None) => quiet_opentelemetry(Targets::new().with_default(LevelFilter::INFO)),
        };
        Ok(Self {
            format,
            filter: guarded(filter, log_payloads),
            timestamps: !on_lambda,
        })
    }

    /// Installs the subscriber on stderr. Does nothing if the application installed one.
    pub(crate) fn install(self) {
        if self.format == LogFormat::Json {
            // The default hook writes a panic as plain text: in JSON, every line is JSON.
            std::panic::set_hook(Box::new(log_panic));
        }
        let writer = std::io::stderr;
        let subscriber = tracing_subscriber::registry().with(self.filter);
        let _ = match (self.format, self.timestamps) {
            (LogFormat::Json, _) => tracing::subscriber::set_global_default(
                subscriber.with(
                    tracing_subscriber::fmt::layer()
                        .fmt_fields(JsonFields::new())
                        .event_format(JsonLine)
                        .with_writer(writer),
                ),
            ),
            (LogFormat::Text, true) => {
                tracing::subscriber::set_global_default(subscriber.with(text_layer().with_writer(writer)))
            }
            (LogFormat::Text, false) => tracing::subscriber::set_global_default(
                subscriber.with(text_layer().without_time().with_writer(writer)),
            ),
        };
    }
}

/// A panic as the default hook reports it (thread, location, message), as a log line at
/// ERROR: inside an invocation it carries the request id.
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let thread = std::thread::current();
    let location = info.location().map(ToString::to_string).unwrap_or_default();
    let name = thread.name().unwrap_or("<unnamed>");
    tracing::error!(
        target: "panic",
        location,
        "thread `{name}` panicked at {location}: {}",
        crate::error::panic_text(info.payload())
    );
}

fn text_layer<S>() -> tracing_subscriber::fmt::Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer().with_ansi(false)
}

/// A level as `AWS_LAMBDA_LOG_LEVEL` names it.
fn lambda_level(value: &str) -> Result<LevelFilter, StartupError> {
    let level = match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" => LevelFilter::TRACE,
        "DEBUG" => LevelFilter::DEBUG,
        "INFO" => LevelFilter::INFO,
        "WARN" => LevelFilter::WARN,
        // `tracing` has no level above ERROR.
        "ERROR" | "FATAL" => LevelFilter::ERROR,
        _ => {
            return Err(StartupError::InvalidLogSetting {
                variable: "AWS_LAMBDA_LOG_LEVEL",
                value: value.to_owned(),
                expected: "one of `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`".to_owned(),
            });
        }
    };
    Ok(level)
}

/// The filter with what the framework needs whatever it says: `lambda_runtime`'s request
/// span is kept (so a line at any level carries its request id), its second report of a
/// panic is dropped, and its trace of raw payloads unless payloads may be logged.
/// OpenTelemetry's own diagnostics (a provider set, each failed export) stay out of the
/// function's logs unless `RUST_LOG` names them: the traces module logs an export failure
/// once, in its own words.
fn quiet_opentelemetry(filter: Targets) -> Targets {
    [
        "opentelemetry",
        "opentelemetry_sdk",
        "opentelemetry-otlp",
        "opentelemetry-http",
        "opentelemetry-aws",
    ]
    .into_iter()
    .fold(filter, |filter, target| {
        filter.with_target(target, LevelFilter::OFF)
    })
}

fn guarded(filter: Targets, log_payloads: bool) -> Targets {
    let mut filter = filter.with_target(PANIC_TARGET, LevelFilter::OFF);
    if !filter.would_enable(REQUEST_SPAN_TARGET, &Level::INFO) {
        filter = filter.with_target(REQUEST_SPAN_TARGET, LevelFilter::INFO);
    }
    if !log_payloads && filter.would_enable(PAYLOAD_TRACE_TARGET, &Level::TRACE) {
        filter = filter.with_target(PAYLOAD_TRACE_TARGET, LevelFilter::DEBUG);
    }
    filter
}

/// Writes an event as one JSON object.
struct JsonLine;

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
                let Some(formatted) = extensions.get::<FormattedFields<JsonFields>>() else {
                    continue;
                };
                // A span without fields has an empty string, not `{}`.
                if let Ok(Value::Object(span_fields)) = serde_json::from_str(&formatted.fields) {
                    fields.extend(span_fields);
                }
            }
        }
        if let Ok(Value::Object(event_fields)) = serde_json::to_value(event.field_map()) {
            fields.extend(event_fields);
        }
        let message = fields.remove("message");
        let mut timestamp = String::with_capacity(32);
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let line = Line {
            timestamp: &timestamp,
            level: event.metadata().level().as_str(),
            message,
            target: event.metadata().target(),
            fields,
        };
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// One JSON log line.
struct Line<'a> {
    timestamp: &'a str,
    level: &'a str,
    message: Option<Value>,
    target: &'a str,
    fields: Map<String, Value>,
}

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("timestamp", self.timestamp)?;
        map.serialize_entry("level", self.level)?;
        map.serialize_entry("message", self.message.as_ref().unwrap_or(&Value::Null))?;
        map.serialize_entry("target", self.target)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn settings(pairs: &[(&str, &str)]) -> Result<LogSettings, StartupError> {
        LogSettings::from_env(env(pairs), true, false)
    }

    #[test]
    fn the_format_and_level_follow_lambdas_variables() {
        let json = settings(&[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "debug"),
        ])
        .unwrap();
        assert_eq!(json.format, LogFormat::Json);
        assert!(json.filter.would_enable("books", &Level::DEBUG));
        assert!(!json.filter.would_enable("books", &Level::TRACE));
        let text = settings(&[
            ("AWS_LAMBDA_LOG_FORMAT", "Text"),
            ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
        ])
        .unwrap();
        assert_eq!(text.format, LogFormat::Text);
        assert!(!text.filter.would_enable("books", &Level::INFO));
        let fatal = settings(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]).unwrap();
        assert!(fatal.filter.would_enable("books", &Level::ERROR));
        assert!(!fatal.filter.would_enable("books", &Level::WARN));
        let default = settings(&[]).unwrap();
        assert_eq!(default.format, LogFormat::Text);
        assert!(default.filter.would_enable("books", &Level::INFO));
        assert!(!default.filter.would_enable("books", &Level::DEBUG));
    }

    #[test]
    fn rust_log_wins_over_lambdas_level() {
        let settings = settings(&[
            ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
            ("RUST_LOG", "info,books=trace"),
        ])
        .unwrap();
        assert!(settings.filter.would_enable("books", &Level::TRACE));
        assert!(settings.filter.would_enable("other", &Level::INFO));
        assert!(!settings.filter.would_enable("other", &Level::DEBUG));
    }

    #[test]
    fn opentelemetrys_own_diagnostics_stay_out_unless_rust_log_names_them() {
        for lambda in [
            settings(&[]).unwrap(),
            settings(&[("AWS_LAMBDA_LOG_LEVEL", "DEBUG")]).unwrap(),
        ] {
            assert!(!lambda.filter.would_enable("opentelemetry", &Level::ERROR));
            assert!(!lambda.filter.would_enable("opentelemetry_sdk", &Level::WARN));
            assert!(!lambda.filter.would_enable("opentelemetry-otlp", &Level::ERROR));
            assert!(
                lambda
                    .filter
                    .would_enable("cloud_events_lambda::traces", &Level::WARN)
            );
        }
        let asked = settings(&[("RUST_LOG", "info,opentelemetry_sdk=debug")]).unwrap();
        assert!(asked.filter.would_enable("opentelemetry_sdk", &Level::DEBUG));
    }

    #[test]
    fn bad_settings_fail_naming_the_variable_and_what_it_takes() {
        let format = settings(&[("AWS_LAMBDA_LOG_FORMAT", "yaml")]).unwrap_err();
        let message = format.to_string();
        assert!(
            message.contains("AWS_LAMBDA_LOG_FORMAT") && message.contains("`yaml`"),
            "{message}"
        );
        assert!(message.contains("`JSON`"), "{message}");
        let level = settings(&[("AWS_LAMBDA_LOG_LEVEL", "loud")]).unwrap_err();
        assert!(level.to_string().contains("AWS_LAMBDA_LOG_LEVEL"), "{level}");
        let rust_log = settings(&[("RUST_LOG", "books=shouting")]).unwrap_err();
        assert!(rust_log.to_string().contains("RUST_LOG"), "{rust_log}");
    }

    #[test]
    fn the_request_span_stays_and_payload_traces_go_at_any_level() {
        let quiet = settings(&[("AWS_LAMBDA_LOG_LEVEL", "ERROR")]).unwrap();
        assert!(quiet.filter.would_enable(REQUEST_SPAN_TARGET, &Level::INFO));
        let verbose = settings(&[("RUST_LOG", "trace")]).unwrap();
        assert!(!verbose.filter.would_enable(PAYLOAD_TRACE_TARGET, &Level::TRACE));
        assert!(!verbose.filter.would_enable(PANIC_TARGET, &Level::ERROR));
        assert!(verbose.filter.would_enable("books", &Level::TRACE));
        let payloads = LogSettings::from_env(env(&[("RUST_LOG", "trace")]), true, true).unwrap();
        assert!(payloads.filter.would_enable(PAYLOAD_TRACE_TARGET, &Level::TRACE));
    }

    /// Lines written to a shared buffer.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn json_lines(log: impl FnOnce()) -> Vec<Map<String, Value>> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry()
            .with(Targets::new().with_default(LevelFilter::DEBUG))
            .with(
                tracing_subscriber::fmt::layer()
                    .fmt_fields(JsonFields::new())
                    .event_format(JsonLine)
                    .with_writer(move || writer.clone()),
            );
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(Value::Object(map)) => map,
                other => panic!("not a JSON object: {line} ({other:?})"),
            })
            .collect()
    }

    #[test]
    fn a_json_line_flattens_the_spans_and_the_events_fields() {
        let lines = json_lines(|| {
            let request = tracing::info_span!(
                "Lambda runtime invoke",
                requestId = "req-7",
                xrayTraceId = "Root=1-x"
            );
            let _request = request.enter();
            let invocation = tracing::debug_span!("invocation", route = "aws.s3", handler = "uploaded");
            let _invocation = invocation.enter();
            tracing::error!(
                errorType = "BatchFailed",
                recordIndex = 2,
                "1 of {} records failed",
                3
            );
        });
        let [line] = &lines[..] else { panic!("{lines:?}") };
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["message"], "1 of 3 records failed");
        assert_eq!(line["requestId"], "req-7");
        assert_eq!(line["xrayTraceId"], "Root=1-x");
        assert_eq!(line["route"], "aws.s3");
        assert_eq!(line["handler"], "uploaded");
        assert_eq!(line["errorType"], "BatchFailed");
        assert_eq!(line["recordIndex"], 2);
        let timestamp = line["timestamp"].as_str().unwrap();
        assert!(
            timestamp.len() >= 20 && timestamp.ends_with('Z') && timestamp.contains('T'),
            "{timestamp}"
        );
    }

    #[test]
    fn a_json_line_outside_spans_and_with_a_field_named_like_its_own_keys() {
        let lines = json_lines(|| {
            tracing::warn!(level = "custom", "quote \" and newline \n kept");
            let outer = tracing::info_span!("outer", route = "outer");
            let _outer = outer.enter();
            tracing::info!(route = "inner", "innermost wins");
        });
        let [first, second] = &lines[..] else {
            panic!("{lines:?}")
        };
        assert_eq!(first["level"], "WARN");
        assert_eq!(first["fields.level"], "custom");
        assert_eq!(first["message"], "quote \" and newline \n kept");
        assert!(!first.contains_key("requestId"));
        assert_eq!(second["route"], "inner");
    }
}
