//! The log writer's behaviour, line by line: JSON lines and their keys, held lines, sampling,
//! concurrent invocations, and the settings that make buffering useless.

use super::settings_tests::env;
use super::*;
use crate::context::Context;
use cloud_events_core::{Kind, RawEvent};
use serde_json::{Map, Value};
use std::future::Future;
use std::io::Write;
use std::sync::Mutex;

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

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    fn json(&self) -> Vec<Map<String, Value>> {
        self.text()
            .lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(Value::Object(map)) => map,
                other => panic!("not a JSON object: {line} ({other:?})"),
            })
            .collect()
    }

    fn messages(&self) -> Vec<String> {
        self.json()
            .iter()
            .map(|line| line["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

const LAMBDA: [(&str, &str); 3] = [
    ("AWS_LAMBDA_FUNCTION_NAME", "orders"),
    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
];

/// A log writer as the environment `vars` and `logs` ask, writing to a buffer.
struct Logger {
    dispatch: Dispatch,
    config: Arc<LogConfig>,
    out: Captured,
}

impl Logger {
    fn new(vars: &[(&str, &str)], logs: Logs) -> Self {
        let mut all: Vec<(&str, &str)> = LAMBDA.to_vec();
        all.extend_from_slice(vars);
        let settings = LogSettings::from_env(env(&all), true, false).unwrap();
        let config = Arc::new(logs.check(env(&all), None).unwrap());
        let out = Captured::default();
        let writer = out.clone();
        let dispatch = settings.dispatch(&config, move || writer.clone());
        Logger {
            dispatch,
            config,
            out,
        }
    }

    fn json(logs: Logs) -> Self {
        Self::new(
            &[
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
            ],
            logs,
        )
    }

    /// Runs `body` with this writer, on a single-threaded runtime.
    fn run<T>(&self, body: impl Future<Output = T>) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        tracing::dispatcher::with_default(&self.dispatch, || runtime.block_on(body))
    }

    /// One invocation running `body`, failed if `body` says so.
    async fn invocation(&self, n: usize, body: impl Future<Output = bool>) -> bool {
        let state = InvocationLog::begin(&self.config, &Context::local(n, "orders"));
        scoped(state, body, |failed| *failed).await
    }
}

/// What `log` writes in JSON at DEBUG, outside invocations.
fn json_lines(log: impl FnOnce()) -> Vec<Map<String, Value>> {
    let logger = Logger::new(
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
        ],
        Logs::new(),
    );
    tracing::dispatcher::with_default(&logger.dispatch, log);
    logger.out.json()
}

fn buffered() -> Logs {
    Logs::new().buffer(LogBuffer::new(Level::DEBUG))
}

#[test]
fn held_lines_are_dropped_when_the_invocation_succeeds_and_written_in_order_when_it_fails() {
    let logger = Logger::json(buffered());
    logger.run(async {
        logger
            .invocation(1, async {
                tracing::debug!("held 1");
                tracing::info!("written 1");
                tracing::debug!("held 2");
                false
            })
            .await;
        logger
            .invocation(2, async {
                tracing::debug!(order = "o-1", "held 3");
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
                tracing::trace!("held 4");
                tracing::info!("written 2");
                true
            })
            .await;
    });
    assert_eq!(
        logger.out.messages(),
        ["written 1", "written 2", "held 3", "held 4"]
    );
    let lines = logger.out.json();
    assert_eq!(lines[2]["level"], "DEBUG");
    assert_eq!(lines[2]["order"], "o-1");
    assert_eq!(lines[3]["level"], "TRACE");
    // Each held line has the time it was logged at, not the time it was written at.
    let time = |line: &Map<String, Value>| line["timestamp"].as_str().unwrap().to_owned();
    assert!(time(&lines[2]) < time(&lines[1]), "{lines:#?}");
    assert!(time(&lines[3]) <= time(&lines[1]), "{lines:#?}");
}

#[test]
fn an_error_line_writes_what_is_held_before_it_and_is_never_held() {
    // Held at WARN: WARN, INFO, DEBUG lines are held; ERROR lines are not.
    let logger = Logger::json(Logs::new().buffer(LogBuffer::new(Level::WARN)));
    logger.run(logger.invocation(1, async {
        tracing::info!("held 1");
        tracing::warn!("held 2");
        tracing::error!("the error");
        tracing::debug!("held after the error");
        false
    }));
    // DEBUG is held too but below the writer's INFO: it was held, then dropped.
    assert_eq!(logger.out.messages(), ["held 1", "held 2", "the error"]);
}

#[test]
fn a_failed_record_writes_what_is_held_ahead_of_the_lines_that_say_so() {
    let logger = Logger::json(buffered());
    logger.run(logger.invocation(1, async {
        tracing::debug!("held 1");
        failing();
        tracing::warn!("record failed");
        tracing::debug!("held 2");
        false
    }));
    assert_eq!(logger.out.messages(), ["held 1", "record failed", "held 2"]);
}

#[test]
fn past_the_cap_the_oldest_go_and_the_flush_says_how_many() {
    let logger = Logger::json(Logs::new().buffer(LogBuffer::new(Level::DEBUG).max_bytes(1000)));
    logger.run(logger.invocation(1, async {
        for n in 0..50 {
            tracing::debug!(
                n,
                padding = "0123456789012345678901234567890123456789",
                "line {n:02}"
            );
        }
        true
    }));
    let lines = logger.out.json();
    let notice = &lines[0];
    assert_eq!(notice["level"], "WARN");
    let dropped = notice["droppedLines"].as_u64().unwrap() as usize;
    assert!(
        notice["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{dropped} older")),
        "{notice:?}"
    );
    let kept: Vec<u64> = lines[1..]
        .iter()
        .map(|line| line["n"].as_u64().unwrap())
        .collect();
    assert_eq!(kept.len() + dropped, 50, "{kept:?}");
    // The newest are kept, in order, as many as the cap allows.
    assert_eq!(kept, ((50 - kept.len() as u64)..50).collect::<Vec<_>>());
    let size = 64
        + "cloud_events_lambda::logs::tests".len()
        + "message".len()
        + 7
        + "n".len()
        + 8
        + "padding".len()
        + 40;
    assert_eq!(kept.len(), 1000 / size, "each line counts {size} bytes");
}

#[test]
fn lines_outside_an_invocation_are_never_held() {
    let logger = Logger::new(
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
        ],
        buffered(),
    );
    logger.run(async {
        tracing::debug!("start-up, written");
        logger
            .invocation(1, async {
                tracing::debug!("held, dropped");
                false
            })
            .await;
        tracing::debug!("between, written");
    });
    assert_eq!(logger.out.messages(), ["start-up, written", "between, written"]);
    // Below the writer's level, a line outside an invocation is dropped, even if an
    // invocation then fails.
    let quiet = Logger::json(buffered());
    quiet.run(async {
        tracing::debug!("start-up, dropped");
        quiet.invocation(1, async { true }).await;
    });
    assert_eq!(quiet.out.messages(), Vec::<String>::new());
}

#[test]
fn concurrent_invocations_keep_their_own_held_lines() {
    let logger = Logger::json(buffered());
    logger.run(async {
        let first = logger.invocation(1, async {
            for n in 0..3 {
                tracing::debug!("first {n}");
                tokio::task::yield_now().await;
            }
            true
        });
        let second = logger.invocation(2, async {
            for n in 0..3 {
                tracing::debug!("second {n}");
                tokio::task::yield_now().await;
            }
            false
        });
        tokio::join!(first, second);
    });
    assert_eq!(logger.out.messages(), ["first 0", "first 1", "first 2"]);
}

#[test]
fn a_held_line_is_written_as_it_would_have_been_when_logged() {
    // Sampled at 1: written as logged. Held then flushed: the same line.
    let log = || {
        let request = tracing::info_span!("Lambda runtime invoke", requestId = "req-1");
        let _request = request.enter();
        let route = tracing::debug_span!("invocation", route = "aws.sqs", handler = "booked");
        let _route = route.enter();
        tracing::debug!(
            order = "o-7",
            amount = 1250_u64,
            delta = -3_i64,
            ratio = 0.5,
            paid = true,
            status = ?Some("ok"),
            "booked {}",
            "o-7"
        );
    };
    let live = Logger::json(Logs::new().sampling_rate(1.0));
    live.run(live.invocation(1, async {
        log();
        false
    }));
    let held = Logger::json(buffered());
    held.run(held.invocation(1, async {
        log();
        true
    }));
    let strip = |mut line: Map<String, Value>| {
        line.remove("timestamp");
        line.remove("samplingRate");
        line.remove("coldStart");
        line
    };
    let [live] = &live.out.json()[..] else { panic!() };
    let [held] = &held.out.json()[..] else { panic!() };
    assert_eq!(strip(live.clone()), strip(held.clone()));
    assert_eq!(held["requestId"], "req-1");
    assert_eq!(held["route"], "aws.sqs");
    assert_eq!(held["amount"], 1250);
    assert_eq!(held["status"], "Some(\"ok\")");
}

#[test]
fn text_lines_are_held_too_and_written_with_their_own_time() {
    let logger = Logger::new(&[("AWS_LAMBDA_LOG_FORMAT", "Text")], buffered());
    logger.run(async {
        logger
            .invocation(1, async {
                let request = tracing::info_span!("Lambda runtime invoke", requestId = "req-1");
                let _request = request.enter();
                tracing::debug!(order = "o-1", amount = 5, "held {}", 1);
                tracing::info!("written");
                tracing::error!("failed");
                false
            })
            .await;
    });
    let text = logger.out.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with(" INFO Lambda runtime invoke{requestId=\"req-1\"}: "),
        "{text}"
    );
    let held = lines[1];
    let (time, rest) = held.split_once(' ').unwrap();
    assert!(time.ends_with('Z') && time.contains('T'), "{held}");
    assert_eq!(
        rest,
        "DEBUG Lambda runtime invoke{requestId=\"req-1\"}: cloud_events_lambda::logs::tests: held 1 order=\"o-1\" amount=5"
    );
    assert!(lines[2].starts_with("ERROR "), "{text}");
}

#[test]
fn sampling_draws_each_invocation_and_logs_the_drawn_ones_at_debug() {
    let logger = Logger::json(Logs::new().sampling_rate(0.5));
    logger.run(async {
        for n in 0..200 {
            logger
                .invocation(n, async move {
                    tracing::debug!(n, "debug");
                    false
                })
                .await;
        }
    });
    let lines = logger.out.json();
    // Half, within a margin a fair draw leaves less than once in a million runs.
    assert!((60..140).contains(&lines.len()), "{} of 200", lines.len());
    assert!(lines.iter().all(|line| line["samplingRate"] == 0.5));
}

#[test]
fn every_line_of_an_invocation_carries_the_keys() {
    let logger = Logger::json(Logs::new().service("orders").sampling_rate(1.0));
    let event = RawEvent::new(Kind::EventBridge.sample());
    logger.run(async {
        tracing::info!("start-up");
        logger
            .invocation(1, async {
                tracing::info!("before classification");
                classified(Some(Kind::EventBridge), &event);
                tracing::debug!("after");
                false
            })
            .await;
    });
    let lines = logger.out.json();
    let [startup, before, after] = &lines[..] else {
        panic!("{lines:#?}")
    };
    for line in [startup, before, after] {
        assert_eq!(line["functionName"], "orders");
        assert_eq!(line["functionVersion"], "$LATEST");
        assert_eq!(line["functionMemorySize"], 512);
        assert_eq!(line["service"], "orders");
        assert_eq!(line["samplingRate"], 1.0);
    }
    assert!(!startup.contains_key("coldStart") && !startup.contains_key("functionArn"));
    for line in [before, after] {
        assert!(line["coldStart"].is_boolean());
        assert_eq!(
            line["functionArn"],
            Context::local(1, "orders").invoked_function_arn
        );
    }
    assert!(!before.contains_key("correlationId"));
    let sample: Value = serde_json::from_str(Kind::EventBridge.sample()).unwrap();
    assert_eq!(after["correlationId"], sample["id"]);
    // Left out on request.
    let bare = Logger::json(Logs::new().function_keys(false));
    bare.run(bare.invocation(1, async {
        tracing::info!("line");
        false
    }));
    let [line] = &bare.out.json()[..] else { panic!() };
    assert!(line.keys().all(|key| !key.starts_with("function")), "{line:?}");
    assert!(!line.contains_key("service") && !line.contains_key("samplingRate"));
}

#[test]
fn settings_that_make_buffering_useless_are_said_at_start_up() {
    let warnings = |vars: &[(&str, &str)], logs: Logs| {
        let settings = LogSettings::from_env(env(vars), true, false).unwrap();
        settings.warnings(&logs.check(env(vars), None).unwrap(), true)
    };
    let json_info = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
    ];
    let useless = warnings(&json_info, buffered().sampling_rate(0.1));
    assert_eq!(useless.len(), 2, "{useless:?}");
    assert!(
        useless[0].contains("AWS_LAMBDA_LOG_LEVEL is INFO") && useless[0].contains("to DEBUG"),
        "{useless:?}"
    );
    let json_debug = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
    ];
    assert!(warnings(&json_debug, buffered().sampling_rate(0.1)).is_empty());
    // Text lines are not filtered by level at the platform.
    let text_info = [
        ("AWS_LAMBDA_LOG_FORMAT", "Text"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
    ];
    assert!(warnings(&text_info, buffered()).is_empty());
    assert!(warnings(&json_info, Logs::new()).is_empty());
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

#[test]
fn rust_log_keeps_deciding_what_is_written_when_lines_are_held() {
    // `RUST_LOG` asks for OpenTelemetry's warnings and the HTTP client's DEBUG lines: holding
    // others' lines takes none of them away.
    let logger = Logger::new(
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("RUST_LOG", "debug")],
        buffered(),
    );
    logger.run(async {
        tracing::warn!(target: "opentelemetry_sdk", "otel warning");
        tracing::debug!(target: "hyper_util::client", "pool debug");
        logger
            .invocation(1, async {
                // In an invocation, at or below the buffer's level: held or dropped, never
                // written as logged (the HTTP client's are not held).
                tracing::debug!(target: "hyper_util::client", "pool debug in an invocation");
                tracing::debug!("held, dropped");
                false
            })
            .await;
    });
    assert_eq!(logger.out.messages(), ["otel warning", "pool debug"]);
    // `RUST_LOG` names one target only: an ERROR line of another is not written, held or not.
    let narrow = Logger::new(
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("RUST_LOG", "books=trace")],
        buffered(),
    );
    narrow.run(narrow.invocation(1, async {
        tracing::error!(target: "elsewhere", "not asked for");
        tracing::error!(target: "books", "asked for");
        false
    }));
    assert_eq!(narrow.out.messages(), ["asked for"]);
}
