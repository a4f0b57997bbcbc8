//! An OTLP/HTTP trace receiver on 127.0.0.1 (`otlp_receiver.py`): each export is decoded
//! with the official OpenTelemetry protobuf definitions (PyPI `opentelemetry-proto`) and
//! kept with the wall-clock time it arrived. Bounded: the receiver stops by itself after five
//! minutes, and is killed when dropped.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, BufReader};

/// The version the tests are written against.
pub const OPENTELEMETRY_PROTO_VERSION: &str = "1.45.2";

const SCRIPT: &str = include_str!("otlp_receiver.py");

/// One export, as the receiver decoded it.
#[derive(Debug, Clone)]
pub struct Export {
    /// When it arrived (wall clock).
    pub at: SystemTime,
    /// The resource's attributes.
    pub resource: Value,
    /// Its spans: `trace_id`, `span_id`, `parent_span_id` (hex), `name`, `kind`,
    /// `attributes`, `links`, `status`.
    pub spans: Vec<Value>,
}

/// A running receiver.
pub struct OtlpReceiver {
    /// `http://127.0.0.1:PORT`, for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub endpoint: String,
    exports: Arc<Mutex<Vec<Export>>>,
    _child: tokio::process::Child,
}

/// A Python with `opentelemetry-proto`: `$OTLP_PYTHON`, else a virtual environment under
/// `dir` made with pip (kept for the next run). `Err` says why it cannot be had.
pub fn find_or_install_python(dir: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("OTLP_PYTHON") {
        return Ok(PathBuf::from(path));
    }
    let requirement = format!("opentelemetry-proto=={OPENTELEMETRY_PROTO_VERSION}");
    let venv = crate::pip::venv_with(dir, "otlp-venv", &requirement)?;
    Ok(venv.join("bin").join("python"))
}

impl OtlpReceiver {
    /// Starts the receiver with `python` (see [`find_or_install_python`]); the script is
    /// written under `dir`.
    pub async fn start(python: &Path, dir: &Path) -> Result<OtlpReceiver, String> {
        let script = dir.join("otlp_receiver.py");
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        std::fs::write(&script, SCRIPT).map_err(|e| e.to_string())?;
        let mut child = tokio::process::Command::new(python)
            .arg(&script)
            .arg("300")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("the receiver does not start: {e}"))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .map_err(|_| "the receiver did not start within 20 s".to_owned())?
            .map_err(|e| e.to_string())?
            .ok_or("the receiver exited before listening")?;
        let port = serde_json::from_str::<Value>(&first).map_err(|e| format!("{first}: {e}"))?["port"]
            .as_u64()
            .ok_or_else(|| format!("no port in {first}"))?;
        let exports = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&exports);
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let export: Value = serde_json::from_str(&line).expect("the receiver prints JSON");
                let at_ns = export["at_ns"].as_u64().expect("at_ns");
                kept.lock().unwrap().push(Export {
                    at: UNIX_EPOCH + Duration::from_nanos(at_ns),
                    resource: export["resource"].clone(),
                    spans: export["spans"].as_array().cloned().unwrap_or_default(),
                });
            }
        });
        Ok(OtlpReceiver {
            endpoint: format!("http://127.0.0.1:{port}"),
            exports,
            _child: child,
        })
    }

    /// The exports received so far.
    pub fn exports(&self) -> Vec<Export> {
        self.exports.lock().unwrap().clone()
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Value> {
        self.exports()
            .into_iter()
            .flat_map(|export| export.spans)
            .collect()
    }

    /// Waits (at most `timeout`) until `count` spans have arrived; the spans.
    pub async fn wait_for_spans(&self, count: usize, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if spans.len() >= count || tokio::time::Instant::now() > deadline {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
