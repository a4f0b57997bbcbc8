//! Logs as Lambda's logging controls ask: the format (`AWS_LAMBDA_LOG_FORMAT`), the level
//! (`AWS_LAMBDA_LOG_LEVEL`, or `RUST_LOG` when set), and what one line carries; and what an
//! application adds with [`Logs`]: lines held per invocation until they matter, DEBUG
//! sampling, the keys of JSON lines.
//!
//! Text lines are `tracing-subscriber`'s own format. A JSON line is one object written by
//! `serde_json` (`json_line.rs`, with the keys of `keys.rs`; `json_format.rs` writes each as
//! it is logged). Each invocation's keys, draw and held lines live in a task-local scope the
//! runtime or the dispatcher opens (`invocation.rs`); held lines record their fields and are
//! formatted only if they are written (`held.rs`); the layer that decides what is written,
//! held or dropped (`lines.rs`) is installed only when something may be held or sampled.

mod config;
mod held;
mod invocation;
mod json_format;
mod json_line;
mod keys;
mod lines;
#[cfg(test)]
mod tests;

pub(crate) use config::LogConfig;
pub use config::{LogBuffer, Logs};
pub(crate) use invocation::{InvocationLog, classified, failed, failing, in_invocation, scoped};

use crate::error::StartupError;
use json_format::JsonLine;
use lines::{Lines, Output};
use std::sync::Arc;
use tracing::{Dispatch, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// `lambda_runtime`'s span of each invocation (it carries `requestId`), at INFO level.
const REQUEST_SPAN_TARGET: &str = "lambda_runtime::layers::trace";
/// Where `lambda_runtime` traces each raw payload (at TRACE level).
const PAYLOAD_TRACE_TARGET: &str = "lambda_runtime::layers::api_response";
/// Where `lambda_runtime` reports a handler's panic a second time (the dispatcher logs it).
const PANIC_TARGET: &str = "lambda_runtime::layers::panic";

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
    /// What is written (when nothing holds it).
    pub(crate) filter: Targets,
    /// Whether text lines start with a timestamp (not on Lambda: CloudWatch stamps each line).
    pub(crate) timestamps: bool,
    /// `AWS_LAMBDA_LOG_LEVEL`: below it, Lambda drops JSON lines at the platform.
    lambda_level: Option<LevelFilter>,
    log_payloads: bool,
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
        let lambda_level = var("AWS_LAMBDA_LOG_LEVEL");
        let platform = lambda_level.as_deref().map(lambda_level_filter).transpose()?;
        let filter = match (rust_log, platform) {
            (Some(directives), _) => {
                directives
                    .parse::<Targets>()
                    .map_err(|error| StartupError::InvalidLogSetting {
                        variable: "RUST_LOG",
                        value: directives.clone(),
                        expected: format!("comma-separated `level` or `target=level` directives ({error})"),
                    })?
            }
            (None, Some(level)) => quiet_dependencies(Targets::new().with_default(level)),
            (None, None) => quiet_dependencies(Targets::new().with_default(LevelFilter::INFO)),
        };
        Ok(Self {
            format,
            filter: guarded(filter, log_payloads),
            timestamps: !on_lambda,
            lambda_level: platform,
            log_payloads,
        })
    }

    /// Installs the subscriber on stderr, then warns about settings that would make
    /// `config`'s buffering or sampling useless. Does nothing else if the application
    /// installed a subscriber.
    pub(crate) fn install(self, config: &Arc<LogConfig>) -> bool {
        if self.format == LogFormat::Json {
            // The default hook writes a panic as plain text: in JSON, every line is JSON.
            std::panic::set_hook(Box::new(log_panic));
        }
        let installed =
            tracing::dispatcher::set_global_default(self.dispatch(config, std::io::stderr)).is_ok();
        for warning in self.warnings(config, installed) {
            tracing::warn!(target: held::TARGET, "{warning}");
        }
        installed
    }

    /// The log writer over `writer`.
    pub(crate) fn dispatch<W>(&self, config: &Arc<LogConfig>, writer: W) -> Dispatch
    where
        W: for<'a> MakeWriter<'a> + Clone + Send + Sync + 'static,
    {
        let json = self.format == LogFormat::Json;
        let buffer = config.buffer;
        if buffer.is_none() && config.sampling_rate == 0.0 {
            let subscriber = tracing_subscriber::registry().with(self.filter.clone());
            return match (self.format, self.timestamps) {
                (LogFormat::Json, _) => Dispatch::new(subscriber.with(json_layer(config, writer))),
                (LogFormat::Text, true) => Dispatch::new(subscriber.with(text_layer().with_writer(writer))),
                (LogFormat::Text, false) => {
                    Dispatch::new(subscriber.with(text_layer().without_time().with_writer(writer)))
                }
            };
        }
        // What is held or sampled must reach the deciding layer: the level the subscriber
        // lets through is the most verbose of the three. A buffer holds its level and every
        // level below it, down to TRACE (as Powertools' does).
        let sampled = self.held_or_sampled(Level::DEBUG);
        let held = buffer.map(|buffer| (buffer.level, buffer.max_bytes, self.held_or_sampled(Level::TRACE)));
        let most = if buffer.is_some() {
            Level::TRACE
        } else {
            Level::DEBUG
        };
        let subscriber = tracing_subscriber::registry().with(self.raised(most));
        let inner: Box<dyn Layer<_> + Send + Sync> = match (self.format, self.timestamps) {
            (LogFormat::Json, _) => Box::new(json_layer(config, writer.clone())),
            (LogFormat::Text, true) => Box::new(text_layer().with_writer(writer.clone())),
            (LogFormat::Text, false) => Box::new(text_layer().without_time().with_writer(writer.clone())),
        };
        Dispatch::new(subscriber.with(Lines {
            inner,
            written: self.filter.clone(),
            sampled,
            held,
            json,
            output: Arc::new(Output { writer, json }),
        }))
    }

    /// The writer's filter with its default level raised to `level` (what each target's own
    /// directive says is kept, and so are the framework's guards).
    fn raised(&self, level: Level) -> Targets {
        let wanted = LevelFilter::from_level(level);
        let filter = match self.filter.default_level() {
            Some(default) if default >= wanted => self.filter.clone(),
            _ => self.filter.clone().with_default(wanted),
        };
        guarded(filter, self.log_payloads)
    }

    /// What is held, or written in a sampled invocation: the lines of `level` and above (in
    /// verbosity), except dependencies' own chatter, unless `RUST_LOG` names them.
    fn held_or_sampled(&self, level: Level) -> Targets {
        let mut filter = self.raised(level);
        for (target, level) in QUIET.iter().chain(&HELD_QUIET) {
            if !self.filter.iter().any(|(named, _)| named == *target) {
                filter = filter.with_target(*target, *level);
            }
        }
        filter
    }

    /// What would make buffering or sampling useless, in words that say how to fix it.
    fn warnings(&self, config: &LogConfig, installed: bool) -> Vec<String> {
        let mut warnings = Vec::new();
        if !installed && (config.buffer.is_some() || config.sampling_rate > 0.0) {
            warnings.push(
                "the application installed its own tracing subscriber: the log buffering and sampling of `App::logs` do not apply to it".to_owned(),
            );
        }
        let Some(platform) = self.lambda_level.filter(|_| self.format == LogFormat::Json) else {
            return warnings;
        };
        let mut needs = Vec::new();
        if let Some(buffer) = config.buffer.filter(|buffer| platform < buffer.level) {
            needs.push(("log buffering holds", buffer.level));
        }
        if config.sampling_rate > 0.0 && platform < Level::DEBUG {
            needs.push(("log sampling writes", Level::DEBUG));
        }
        for (what, level) in needs {
            warnings.push(format!(
                "{what} {level} lines, but AWS_LAMBDA_LOG_LEVEL is {}: Lambda drops JSON lines below it, these too; set the function's application log level (LoggingConfig.ApplicationLogLevel) to {level}",
                platform.to_string().to_uppercase()
            ));
        }
        warnings
    }
}

fn json_layer<S, W>(config: &Arc<LogConfig>, writer: W) -> impl Layer<S> + Send + Sync
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .fmt_fields(JsonFields::new())
        .event_format(JsonLine {
            config: Arc::clone(config),
        })
        .with_writer(writer)
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
fn lambda_level_filter(value: &str) -> Result<LevelFilter, StartupError> {
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

/// What the function's own logs leave out unless `RUST_LOG` names it: OpenTelemetry's own
/// diagnostics (a provider set, each failed export: the traces module logs an export failure
/// once, in its own words), and the DEBUG lines of the HTTP client the runtime talks to the
/// Runtime API with (a connection reused, each invocation), which would otherwise fill the
/// lines held for an invocation.
fn quiet_dependencies(filter: Targets) -> Targets {
    QUIET.into_iter().fold(filter, |filter, (target, level)| {
        filter.with_target(target, level)
    })
}

/// What is not held nor written in sampled invocations either, unless `RUST_LOG` names it:
/// the DEBUG and TRACE lines of the HTTP, TLS and AWS SDK stacks (a connection pooled, a
/// request signed: dozens a request), which would push the application's own lines out of
/// an invocation's buffer.
const HELD_QUIET: [(&str, LevelFilter); 6] = [
    ("hyper", LevelFilter::INFO),
    ("h2", LevelFilter::INFO),
    ("rustls", LevelFilter::INFO),
    ("aws_smithy", LevelFilter::INFO),
    ("aws_config", LevelFilter::INFO),
    ("aws_sdk", LevelFilter::INFO),
];

/// The targets [`quiet_dependencies`] quiets, and how.
const QUIET: [(&str, LevelFilter); 6] = [
    ("hyper_util", LevelFilter::INFO),
    ("opentelemetry", LevelFilter::OFF),
    ("opentelemetry_sdk", LevelFilter::OFF),
    ("opentelemetry-otlp", LevelFilter::OFF),
    ("opentelemetry-http", LevelFilter::OFF),
    ("opentelemetry-aws", LevelFilter::OFF),
];

/// The filter with what the framework needs whatever it says: `lambda_runtime`'s request
/// span is kept (so a line at any level carries its request id), its second report of a
/// panic is dropped, and its trace of raw payloads unless payloads may be logged.
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

#[cfg(test)]
mod settings_tests {
    use super::*;

    pub(super) fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
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
}
