//! A stand-in for the Lambda Runtime API on 127.0.0.1, serving events to an app binary (the
//! real `lambda_runtime` client inside it) and recording what it answers on which endpoint.
//! Faults can be injected: `/next` answered with a 500 or cut off mid-response, and answers
//! refused with a 500. Everything is bounded: connections, time, and the child process, which
//! is killed when the run ends.

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// What the runtime sent back for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Posted to `/response`.
    Response(Value),
    /// Posted to `/error`.
    Error {
        /// The `Lambda-Runtime-Function-Error-Type` header.
        error_type_header: Option<String>,
        /// The error body (`errorType`, `errorMessage`).
        body: Value,
    },
}

/// One answer, with its raw body and when it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request id it answers.
    pub id: String,
    /// What was answered.
    pub answer: Answer,
    /// The body as sent.
    pub raw: String,
    /// When it arrived.
    pub at: Instant,
}

/// One invocation to hand out.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The request id.
    pub id: String,
    /// The payload.
    pub payload: Vec<u8>,
    /// Milliseconds from hand-out to its deadline.
    pub deadline_in_ms: u64,
    /// Lambda's trace header (`lambda-runtime-trace-id`).
    pub trace_header: String,
}

/// The trace header an invocation gets unless told otherwise: a root of zeros, no parent and
/// no sampling decision (as this stand-in always sent; the sampler decides).
pub const UNTRACED: &str = "Root=1-00000000-000000000000000000000000";

impl Invocation {
    /// An invocation of `event` with a minute to run.
    pub fn new(id: impl Into<String>, event: &Value) -> Self {
        Self::raw(id, serde_json::to_vec(event).expect("JSON"))
    }

    /// An invocation of `payload`, byte for byte, with a minute to run.
    pub fn raw(id: impl Into<String>, payload: Vec<u8>) -> Self {
        Invocation {
            id: id.into(),
            payload,
            deadline_in_ms: 60_000,
            trace_header: UNTRACED.to_owned(),
        }
    }

    /// The same with another trace header.
    pub fn traced(mut self, header: impl Into<String>) -> Self {
        self.trace_header = header.into();
        self
    }

    /// The same with another deadline.
    pub fn deadline_in(mut self, ms: u64) -> Self {
        self.deadline_in_ms = ms;
        self
    }
}

/// Faults the stand-in injects, counted down as they happen.
#[derive(Debug, Default)]
pub struct Faults {
    /// The first this many `/next` requests get a 500.
    pub fail_next: AtomicUsize,
    /// The first this many invocations are cut off: headers, half the payload, then the
    /// connection is closed (they are not handed out again).
    pub cut_next: AtomicUsize,
    /// The first this many answers (`/response` or `/error`) get a 500 (and are recorded as
    /// refused, not as answers).
    pub refuse_answers: AtomicUsize,
}

/// How to run the app.
#[derive(Debug)]
pub struct Run {
    /// The app binary.
    pub binary: String,
    /// `AWS_LAMBDA_MAX_CONCURRENCY`.
    pub concurrency: usize,
    /// More environment variables for the app.
    pub env: Vec<(String, String)>,
    /// Faults to inject.
    pub faults: Faults,
    /// Give up after this long.
    pub timeout: Duration,
    /// Read the app's resident memory once this many answers have arrived (and at the end).
    pub rss_after: Option<usize>,
    /// After the last answer, wait (within the timeout) for the app to ask for the next
    /// event, so that what it does in between (exporting traces) is seen.
    pub await_next_after_last: bool,
}

impl Run {
    /// Runs `binary` with no faults, one invocation at a time, for at most two minutes.
    pub fn new(binary: &str) -> Self {
        Run {
            binary: binary.to_owned(),
            concurrency: 1,
            env: Vec::new(),
            faults: Faults::default(),
            timeout: Duration::from_secs(120),
            rss_after: None,
            await_next_after_last: false,
        }
    }
}

/// What a run saw.
#[derive(Debug)]
pub struct Outcome {
    /// The answers in the order they came.
    pub answers: Vec<Received>,
    /// Request ids in the order they were handed out, with when.
    pub handed_out: Vec<(String, Instant)>,
    /// When each `/next` request arrived (wall clock).
    pub next_requests: Vec<SystemTime>,
    /// Answers refused with a 500 (request ids).
    pub refused: Vec<String>,
    /// The app's exit status, if it exited by itself.
    pub exit: Option<std::process::ExitStatus>,
    /// Everything the app wrote to stderr (its logs).
    pub stderr: String,
    /// Everything the app wrote to stdout (metric documents).
    pub stdout: String,
    /// Resident memory (KiB) after `rss_after` answers, and at the end.
    pub rss_kib: Option<(u64, u64)>,
}

impl Outcome {
    /// The answer to request `id`.
    pub fn answer(&self, id: &str) -> Option<&Answer> {
        self.answers.iter().find(|r| r.id == id).map(|r| &r.answer)
    }
}

#[derive(Default)]
struct State {
    pending: Mutex<VecDeque<Invocation>>,
    handed_out: Mutex<Vec<(String, Instant)>>,
    next_requests: Mutex<Vec<SystemTime>>,
    answers: Mutex<Vec<Received>>,
    refused: Mutex<Vec<String>>,
    answered: Notify,
    faults: Faults,
}

type Body = BoxBody<Bytes, std::io::Error>;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

fn status(code: StatusCode) -> Response<Body> {
    Response::builder()
        .status(code)
        .body(full(Bytes::new()))
        .expect("a response")
}

/// Counts `counter` down by one if it is above zero; whether it was.
fn take(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl State {
    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Body>, hyper::Error> {
        let path = request.uri().path().to_owned();
        let error_type = request
            .headers()
            .get("lambda-runtime-function-error-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = request.into_body().collect().await?.to_bytes();
        if path == "/2018-06-01/runtime/invocation/next" {
            self.next_requests.lock().unwrap().push(SystemTime::now());
            self.answered.notify_one();
            if take(&self.faults.fail_next) {
                return Ok(status(StatusCode::INTERNAL_SERVER_ERROR));
            }
            let next = self.pending.lock().unwrap().pop_front();
            let Some(invocation) = next else {
                // No more events: hold the long poll, as Lambda does between invocations.
                std::future::pending::<()>().await;
                unreachable!();
            };
            self.handed_out
                .lock()
                .unwrap()
                .push((invocation.id.clone(), Instant::now()));
            let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
                + Duration::from_millis(invocation.deadline_in_ms);
            let length = invocation.payload.len();
            let body = if take(&self.faults.cut_next) {
                // Half the payload, then the connection breaks.
                let half = Bytes::from(invocation.payload[..length / 2].to_vec());
                let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![
                    Ok(Frame::data(half)),
                    Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut")),
                ];
                BodyExt::boxed(StreamBody::new(futures_util::stream::iter(frames)))
            } else {
                full(invocation.payload)
            };
            return Ok(Response::builder()
                .header("content-type", "application/json")
                .header("content-length", length.to_string())
                .header("lambda-runtime-aws-request-id", &invocation.id)
                .header("lambda-runtime-deadline-ms", deadline.as_millis().to_string())
                .header(
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:eu-west-1:123456789012:function:test",
                )
                .header("lambda-runtime-trace-id", &invocation.trace_header)
                .body(body)
                .expect("a response"));
        }
        let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") else {
            return Ok(status(StatusCode::NOT_FOUND));
        };
        let (id, endpoint) = rest.split_once('/').unwrap_or((rest, ""));
        if take(&self.faults.refuse_answers) {
            self.refused.lock().unwrap().push(id.to_owned());
            self.answered.notify_one();
            return Ok(status(StatusCode::INTERNAL_SERVER_ERROR));
        }
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let answer = match endpoint {
            "response" => Answer::Response(value),
            "error" => Answer::Error {
                error_type_header: error_type,
                body: value,
            },
            _ => return Ok(status(StatusCode::NOT_FOUND)),
        };
        self.answers.lock().unwrap().push(Received {
            id: id.to_owned(),
            answer,
            raw: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        self.answered.notify_one();
        Ok(status(StatusCode::ACCEPTED))
    }
}

/// Resident memory of process `pid` in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Serves `invocations` to the app until each is answered (or refused), the app exits, or
/// the run's timeout passes; then kills the app.
pub async fn serve(invocations: Vec<Invocation>, run: Run) -> Outcome {
    let count = invocations.len();
    let state = Arc::new(State {
        pending: Mutex::new(invocations.into()),
        faults: run.faults,
        ..State::default()
    });
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port on 127.0.0.1");
    let address = listener.local_addr().expect("an address");
    let server_state = Arc::clone(&state);
    let server = tokio::spawn(async move {
        // Bounded: at most two connections per invocation (the client may not reuse them).
        for _ in 0..(2 * count + 16) {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let state = Arc::clone(&server_state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| Arc::clone(&state).handle(request));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let mut command = tokio::process::Command::new(&run.binary);
    command
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "test")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .env("AWS_LAMBDA_MAX_CONCURRENCY", run.concurrency.to_string());
    for (name, value) in &run.env {
        command.env(name, value);
    }
    let mut child = command
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the app starts");
    let pid = child.id().expect("a pid");
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text).await;
        text
    });
    let mut stdout_pipe = child.stdout.take().expect("stdout is piped");
    let stdout = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text).await;
        text
    });
    let mut rss_start = None;
    let finished = |state: &State| state.answers.lock().unwrap().len() + state.refused.lock().unwrap().len();
    let deadline = tokio::time::Instant::now() + run.timeout;
    let exit = loop {
        let done = finished(&state);
        if rss_start.is_none() && run.rss_after.is_some_and(|n| done >= n) {
            rss_start = rss_kib(pid);
        }
        let asked_again = state.next_requests.lock().unwrap().len() > count;
        if done >= count && (!run.await_next_after_last || asked_again) {
            break None;
        }
        tokio::select! {
            _ = state.answered.notified() => {}
            status = child.wait() => break status.ok(),
            _ = tokio::time::sleep_until(deadline) => break None,
        }
    };
    let rss_end = rss_kib(pid);
    child.kill().await.ok();
    server.abort();
    let stderr = tokio::time::timeout(Duration::from_secs(5), stderr)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let stdout = tokio::time::timeout(Duration::from_secs(5), stdout)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let answers = state.answers.lock().unwrap().clone();
    let handed_out = state.handed_out.lock().unwrap().clone();
    let next_requests = state.next_requests.lock().unwrap().clone();
    let refused = state.refused.lock().unwrap().clone();
    Outcome {
        answers,
        handed_out,
        next_requests,
        refused,
        exit,
        stderr,
        stdout,
        rss_kib: rss_start.zip(rss_end),
    }
}
