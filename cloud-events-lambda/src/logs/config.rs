//! What an application asks of its logs beyond Lambda's logging controls ([`Logs`]), and the
//! checked form the log writer and the dispatcher share ([`LogConfig`]).

use crate::error::StartupError;
use cloud_events_core::Kind;
use cloud_events_core::condition::Path;
use tracing::Level;

/// Log buffering, DEBUG sampling and the keys of JSON log lines, for [`App::logs`](crate::App::logs).
///
/// - **Buffering** ([`Logs::buffer`]): lines at or below a level (DEBUG, say) are held for
///   their invocation, written, in order and with their own timestamps, when an ERROR line is
///   logged or the invocation fails (a handler error, a panic, the deadline, a failed record
///   of a batch), and dropped otherwise.
/// - **Sampling** ([`Logs::sampling_rate`]): a fraction of invocations, drawn one by one, log
///   at DEBUG in full.
/// - **Keys** of every JSON line (`AWS_LAMBDA_LOG_FORMAT=JSON`) of an invocation: `coldStart`,
///   `functionName`, `functionVersion`, `functionMemorySize`, `functionArn` (unless
///   [`Logs::function_keys`] leaves them out), `service` ([`Logs::service`], or the metrics'
///   service), `correlationId` (by kind, or [`Logs::correlation_id`]) and `samplingRate`.
///
/// ```
/// use cloud_events_lambda::{Kind, LogBuffer, Logs};
/// use tracing::Level;
///
/// let logs = Logs::new()
///     .buffer(LogBuffer::new(Level::DEBUG).max_bytes(32 * 1024))
///     .sampling_rate(0.01)
///     .service("orders")
///     .correlation_id(Kind::Sqs, "Records[0].messageAttributes.orderId.stringValue");
/// # let _ = logs;
/// ```
#[derive(Debug, Clone)]
pub struct Logs {
    buffer: Option<LogBuffer>,
    sampling_rate: f64,
    function_keys: bool,
    service: Option<String>,
    correlation_ids: Vec<(Kind, String)>,
}

impl Default for Logs {
    fn default() -> Self {
        Logs {
            buffer: None,
            sampling_rate: 0.0,
            function_keys: true,
            service: None,
            correlation_ids: Vec::new(),
        }
    }
}

impl Logs {
    /// No buffering, no sampling, the function's keys on JSON lines.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds each invocation's lines at or below `buffer`'s level until they matter (see
    /// [`LogBuffer`]).
    pub fn buffer(mut self, buffer: LogBuffer) -> Self {
        self.buffer = Some(buffer);
        self
    }

    /// Logs this fraction of invocations (0 to 1) at DEBUG in full, each invocation drawn
    /// on its own; JSON lines then carry `samplingRate`. A rate outside 0 to 1 stops the
    /// start-up.
    pub fn sampling_rate(mut self, rate: f64) -> Self {
        self.sampling_rate = rate;
        self
    }

    /// Whether JSON lines carry `functionName`, `functionVersion`, `functionMemorySize` and
    /// `functionArn` (on by default).
    ///
    /// ```
    /// use cloud_events_lambda::Logs;
    /// // Lines without the function's keys, for a log group that already names the function.
    /// let logs = Logs::new().function_keys(false).service("orders");
    /// # let _ = logs;
    /// ```
    pub fn function_keys(mut self, on: bool) -> Self {
        self.function_keys = on;
        self
    }

    /// The `service` key of JSON lines. An app with [`Metrics`](crate::Metrics) has its
    /// service already; naming another here stops the start-up (one service, one name).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Where events of `kind` carry the `correlationId` of their lines: a path of the `when`
    /// language (`Records[0].messageId`, `detail.orderId`, a step into a JSON string such as
    /// `Records[0].body.orderId`). It replaces the kind's own (EventBridge `id`, API Gateway
    /// and function URL `requestContext.requestId`, ALB `x-amzn-trace-id`, a CloudEvent's
    /// `id`). A path that does not parse stops the start-up.
    pub fn correlation_id(mut self, kind: Kind, path: &str) -> Self {
        self.correlation_ids.push((kind, path.to_owned()));
        self
    }

    /// Checks the settings, reading the function's identity from Lambda's variables.
    pub(crate) fn check(
        &self,
        var: impl Fn(&str) -> Option<String>,
        metrics_service: Option<&str>,
    ) -> Result<LogConfig, StartupError> {
        let invalid = |what: &'static str, value: String, expected: String| StartupError::InvalidLogs {
            what,
            value,
            expected,
        };
        if !(0.0..=1.0).contains(&self.sampling_rate) {
            return Err(invalid(
                "sampling rate",
                self.sampling_rate.to_string(),
                "a fraction of invocations from 0 to 1".to_owned(),
            ));
        }
        if let Some(buffer) = self.buffer {
            if buffer.level == Level::ERROR {
                return Err(invalid(
                    "buffer level",
                    "ERROR".to_owned(),
                    "WARN, INFO, DEBUG or TRACE: ERROR lines are never held".to_owned(),
                ));
            }
            if buffer.max_bytes == 0 {
                return Err(invalid(
                    "buffer size",
                    "0 bytes".to_owned(),
                    "at least one byte (20 KiB by default)".to_owned(),
                ));
            }
        }
        let service = match (self.service.as_deref(), metrics_service) {
            (Some(logs), Some(metrics)) if logs != metrics => {
                return Err(invalid(
                    "service",
                    logs.to_owned(),
                    format!(
                        "the metrics' service name `{metrics}`, or none: the logs and the metrics name one service"
                    ),
                ));
            }
            (Some(""), None) => {
                return Err(invalid("service", String::new(), "a name".to_owned()));
            }
            (logs, metrics) => logs.or(metrics).map(str::to_owned),
        };
        let mut correlation = Vec::with_capacity(self.correlation_ids.len());
        for (kind, text) in &self.correlation_ids {
            let path = Path::parse(text).map_err(|error| {
                invalid(
                    "correlation id path",
                    text.clone(),
                    format!("a path of the `when` language ({error})"),
                )
            })?;
            correlation.retain(|(known, _): &(Kind, Path)| known != kind);
            correlation.push((*kind, path));
        }
        let function = self.function_keys.then(|| FunctionKeys {
            name: var("AWS_LAMBDA_FUNCTION_NAME"),
            version: var("AWS_LAMBDA_FUNCTION_VERSION"),
            memory_size: var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").and_then(|size| size.trim().parse().ok()),
        });
        Ok(LogConfig {
            buffer: self.buffer,
            sampling_rate: self.sampling_rate,
            function,
            service,
            correlation,
        })
    }
}

/// Log buffering: each invocation's lines at or below `level` are held (at most `max_bytes`
/// of them, the oldest going first), written when an ERROR line is logged or the invocation
/// fails, dropped when it ends otherwise.
///
/// Held lines are not formatted until they are written: one that is dropped costs the
/// recording of its fields. Lines written outside an invocation (at start-up, from a task a
/// handler spawned) are never held. ERROR lines never are.
///
/// ```
/// use cloud_events_lambda::LogBuffer;
/// use tracing::Level;
/// assert_eq!(LogBuffer::new(Level::DEBUG).bytes(), 20 * 1024); // Powertools' default
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogBuffer {
    pub(crate) level: Level,
    pub(crate) max_bytes: usize,
}

impl LogBuffer {
    /// Holds lines at `level` and below (DEBUG holds DEBUG and TRACE lines), 20 KiB of them
    /// an invocation.
    pub fn new(level: Level) -> Self {
        LogBuffer {
            level,
            max_bytes: 20 * 1024,
        }
    }

    /// At most this many bytes of held lines an invocation, counted as the text they hold
    /// (message, fields, their spans' fields, target) plus 64 bytes each; past it the oldest
    /// go, and the flush says how many went.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, LogBuffer, Logs, RawEvent, on_event};
    /// use tracing::Level;
    /// # #[on_event(default)]
    /// # fn any(_event: RawEvent) {}
    /// # fn main() {
    /// let logs = Logs::new().buffer(LogBuffer::new(Level::DEBUG).max_bytes(64 * 1024));
    /// assert!(App::new().logs(logs).dispatcher().is_ok());
    /// // Nothing could be held: the start-up says so.
    /// let none = Logs::new().buffer(LogBuffer::new(Level::DEBUG).max_bytes(0));
    /// assert!(App::new().logs(none).dispatcher().is_err());
    /// # }
    /// ```
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The cap, in bytes.
    ///
    /// ```
    /// use cloud_events_lambda::LogBuffer;
    /// use tracing::Level;
    /// let buffer = LogBuffer::new(Level::DEBUG);
    /// assert_eq!((buffer.level(), buffer.bytes()), (Level::DEBUG, 20 * 1024)); // Powertools' default
    /// assert_eq!(buffer.max_bytes(64 * 1024).bytes(), 64 * 1024);
    /// ```
    pub fn bytes(&self) -> usize {
        self.max_bytes
    }

    /// The level held lines are at or below.
    ///
    /// ```
    /// use cloud_events_lambda::LogBuffer;
    /// use tracing::Level;
    /// assert_eq!(LogBuffer::new(Level::TRACE).level(), Level::TRACE);
    /// ```
    pub fn level(&self) -> Level {
        self.level
    }
}

/// The function's identity, from Lambda's variables.
#[derive(Debug, Clone, Default)]
pub(crate) struct FunctionKeys {
    pub(crate) name: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) memory_size: Option<u64>,
}

/// [`Logs`], checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct LogConfig {
    pub(crate) buffer: Option<LogBuffer>,
    pub(crate) sampling_rate: f64,
    /// `None` when the app leaves the function's keys out.
    pub(crate) function: Option<FunctionKeys>,
    pub(crate) service: Option<String>,
    /// The app's correlation id paths, one per kind.
    correlation: Vec<(Kind, Path)>,
}

impl LogConfig {
    /// Whether invocations need their own log state: for the keys of JSON lines, held lines
    /// or the sampling draw.
    pub(crate) fn per_invocation(&self, json: bool) -> bool {
        json || self.buffer.is_some() || self.sampling_rate > 0.0
    }

    /// The correlation id of an event of `kind` (the app's path, else the kind's own).
    pub(crate) fn correlation_id(&self, kind: Kind, json: &str) -> Option<String> {
        if let Some((_, path)) = self.correlation.iter().find(|(known, _)| *known == kind) {
            return cloud_events_core::read_scalar(json, path);
        }
        kind.correlation_id_paths()
            .iter()
            .filter_map(|text| Path::parse(text).ok())
            .find_map(|path| cloud_events_core::read_scalar(json, &path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(logs: Logs) -> Result<LogConfig, StartupError> {
        logs.check(|_| None, None)
    }

    #[test]
    fn settings_lambda_would_not_use_stop_the_start_up_naming_them() {
        for (logs, expected) in [
            (Logs::new().sampling_rate(1.5), "sampling rate is `1.5`"),
            (Logs::new().sampling_rate(f64::NAN), "sampling rate is `NaN`"),
            (
                Logs::new().buffer(LogBuffer::new(Level::ERROR)),
                "ERROR lines are never held",
            ),
            (
                Logs::new().buffer(LogBuffer::new(Level::DEBUG).max_bytes(0)),
                "buffer size",
            ),
            (
                Logs::new().correlation_id(Kind::Sqs, "Records[0]."),
                "correlation id path is `Records[0].`",
            ),
        ] {
            let message = check(logs).unwrap_err().to_string();
            assert!(message.contains(expected), "{message}");
        }
        let conflict = Logs::new()
            .service("billing")
            .check(|_| None, Some("orders"))
            .unwrap_err()
            .to_string();
        assert!(
            conflict.contains("`billing`") && conflict.contains("`orders`"),
            "{conflict}"
        );
    }

    #[test]
    fn the_service_is_the_metrics_unless_named_the_same_here() {
        let from_metrics = Logs::new().check(|_| None, Some("orders")).unwrap();
        assert_eq!(from_metrics.service.as_deref(), Some("orders"));
        let named = Logs::new()
            .service("orders")
            .check(|_| None, Some("orders"))
            .unwrap();
        assert_eq!(named.service.as_deref(), Some("orders"));
        assert_eq!(check(Logs::new()).unwrap().service, None);
    }

    #[test]
    fn the_functions_keys_come_from_lambdas_variables_unless_left_out() {
        let env = |name: &str| match name {
            "AWS_LAMBDA_FUNCTION_NAME" => Some("orders".to_owned()),
            "AWS_LAMBDA_FUNCTION_VERSION" => Some("$LATEST".to_owned()),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" => Some("512".to_owned()),
            _ => None,
        };
        let keys = Logs::new().check(env, None).unwrap().function.unwrap();
        assert_eq!(keys.name.as_deref(), Some("orders"));
        assert_eq!(keys.version.as_deref(), Some("$LATEST"));
        assert_eq!(keys.memory_size, Some(512));
        assert!(
            Logs::new()
                .function_keys(false)
                .check(env, None)
                .unwrap()
                .function
                .is_none()
        );
    }

    #[test]
    fn correlation_ids_by_kind_and_by_the_apps_path() {
        let config = check(Logs::new().correlation_id(Kind::Sqs, "Records[0].messageId")).unwrap();
        let sqs = config.correlation_id(Kind::Sqs, Kind::Sqs.sample());
        assert!(sqs.is_some_and(|id| !id.is_empty()));
        let api = config.correlation_id(Kind::ApiGatewayV2, Kind::ApiGatewayV2.sample());
        assert_eq!(api.as_deref(), Some("Bq3yZhSvjoEEJqA="));
        assert_eq!(config.correlation_id(Kind::S3, Kind::S3.sample()), None);
        let replaced = check(Logs::new().correlation_id(Kind::EventBridge, "detail-type")).unwrap();
        let id = replaced.correlation_id(Kind::EventBridge, Kind::EventBridge.sample());
        let sample: serde_json::Value = serde_json::from_str(Kind::EventBridge.sample()).unwrap();
        assert_eq!(id.as_deref(), sample["detail-type"].as_str());
        assert_ne!(id.as_deref(), sample["id"].as_str());
    }

    #[test]
    fn levels_compare_by_verbosity() {
        // Held lines are those at or above the buffer's level in `tracing`'s order.
        assert!(Level::TRACE > Level::DEBUG && Level::DEBUG > Level::INFO);
        assert!(Level::WARN > Level::ERROR);
    }
}
