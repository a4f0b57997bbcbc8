//! A stand-in for the Lambda Runtime API on 127.0.0.1: hands one payload out N times on
//! `/next`, checks every answer against the expected one, and reads the function process's
//! counters (CPU time, page faults) when the first and the last answers arrive. Everything is bounded: the run has a
//! timeout, the child is killed at the end, and the connections die with the server task.

use crate::process;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// A function binary to run, and what to call it in the tables.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: &'static str,
    pub path: PathBuf,
}

/// What to serve.
pub struct Serve<'a> {
    /// `SCENARIO` for the hand-written function (the framework's ignores it).
    pub scenario: &'a str,
    pub payload: Bytes,
    /// The answer every invocation must get, posted to `/response`.
    pub expected: &'a Value,
    pub invocations: usize,
    pub timeout: Duration,
    /// The function's stdout and stderr go here (its logs; none are expected).
    pub log: &'a Path,
}

/// What a run saw.
#[derive(Debug)]
pub struct Outcome {
    /// Answers received (to `/response` or `/error`).
    pub answered: usize,
    /// The first few answers that were not the expected response, described.
    pub wrong: Vec<String>,
    /// How many answers were not the expected response.
    pub wrong_count: usize,
    /// From spawning the process to the first answer received.
    pub first_answer: Option<Duration>,
    /// The process's counters when the first answer arrived and when the last did.
    pub between: Option<(process::Reading, process::Reading)>,
    /// VmHWM (KiB) at the end, before the process is killed.
    pub peak_rss_kib: Option<u64>,
    /// The exit status if the process exited by itself (it never should).
    pub exited: Option<ExitStatus>,
}

#[derive(Default)]
struct State {
    payload: Bytes,
    expected: Value,
    invocations: usize,
    handed_out: AtomicUsize,
    answered: AtomicUsize,
    pid: AtomicU32,
    wrong: Mutex<(usize, Vec<String>)>,
    first_answer_at: Mutex<Option<Instant>>,
    at_first: Mutex<Option<process::Reading>>,
    at_last: Mutex<Option<process::Reading>>,
    all_answered: Notify,
}

type Body = Full<Bytes>;

fn status(code: StatusCode) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

impl State {
    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Body>, hyper::Error> {
        let path = request.uri().path().to_owned();
        let body = request.into_body().collect().await?.to_bytes();
        if path == "/2018-06-01/runtime/invocation/next" {
            let n = self.handed_out.fetch_add(1, Ordering::SeqCst);
            if n >= self.invocations {
                // Nothing more to hand out: hold the long poll, as Lambda does between
                // invocations, until the run ends and this task is dropped.
                std::future::pending::<()>().await;
            }
            let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(60);
            let response = Response::builder()
                .header("content-type", "application/json")
                .header("lambda-runtime-aws-request-id", format!("req-{n}"))
                .header("lambda-runtime-deadline-ms", deadline.as_millis().to_string())
                .header(
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:eu-west-1:123456789012:function:bench",
                )
                .header(
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000;Sampled=0",
                )
                // A clone of `Bytes` shares the buffer: serving 6 MB costs no copy here.
                .body(Full::new(self.payload.clone()))
                .expect("a response");
            return Ok(response);
        }
        let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") else {
            return Ok(status(StatusCode::NOT_FOUND));
        };
        let (id, endpoint) = rest.split_once('/').unwrap_or((rest, ""));
        let problem = match endpoint {
            "response" => match serde_json::from_slice::<Value>(&body) {
                Ok(answer) if answer == self.expected => None,
                _ => Some(format!("{id}: response {}", excerpt(&body))),
            },
            "error" => Some(format!("{id}: error {}", excerpt(&body))),
            _ => return Ok(status(StatusCode::NOT_FOUND)),
        };
        if let Some(problem) = problem {
            let mut wrong = self.wrong.lock().unwrap();
            wrong.0 += 1;
            if wrong.1.len() < 3 {
                wrong.1.push(problem);
            }
        }
        // Read before answering: the function is then waiting for this reply, at the same
        // point of every invocation, so that the readings are exactly N - 1 invocations apart.
        let answered = self.answered.fetch_add(1, Ordering::SeqCst) + 1;
        let pid = self.pid.load(Ordering::SeqCst);
        if answered == 1 {
            *self.first_answer_at.lock().unwrap() = Some(Instant::now());
            *self.at_first.lock().unwrap() = process::read(pid);
        }
        if answered == self.invocations {
            *self.at_last.lock().unwrap() = process::read(pid);
            self.all_answered.notify_one();
        }
        Ok(status(StatusCode::ACCEPTED))
    }
}

/// The start of a body, for error reports.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.into_owned()
}

/// Starts `function` against a fresh stand-in serving `serve`, waits until every invocation
/// is answered (or the process exits, or the timeout passes), then kills the process.
pub async fn run(function: &Function, serve: &Serve<'_>) -> std::io::Result<Outcome> {
    let state = Arc::new(State {
        payload: serve.payload.clone(),
        expected: serve.expected.clone(),
        invocations: serve.invocations,
        ..State::default()
    });
    // Listening before the process starts, as Lambda's API is.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server_state = Arc::clone(&state);
    let server = tokio::spawn(async move {
        // Dropped with the server task: aborts the connections, the held long poll included.
        let mut connections = JoinSet::new();
        while let Ok((stream, _)) = listener.accept().await {
            // Without it, small answers can wait for delayed ACKs (40 ms on Linux).
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&server_state);
            connections.spawn(async move {
                let service = hyper::service::service_fn(move |request| Arc::clone(&state).handle(request));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
            while connections.try_join_next().is_some() {}
        }
    });

    let log = File::options().create(true).append(true).open(serve.log)?;
    let mut command = tokio::process::Command::new(&function.path);
    // Only what Lambda sets (and SCENARIO): no RUST_LOG, no AWS_LAMBDA_LOG_FORMAT, nothing of
    // the caller's environment.
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("SCENARIO", serve.scenario)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = command.spawn()?;
    // No answer can be handled before this: the stand-in runs on this same thread.
    state.pid.store(child.id().unwrap_or(0), Ordering::SeqCst);

    let exited = tokio::select! {
        _ = state.all_answered.notified() => None,
        status = child.wait() => status.ok(),
        _ = tokio::time::sleep(serve.timeout) => None,
    };
    let peak_rss_kib = child.id().and_then(process::peak_rss_kib);
    let _ = child.kill().await;
    server.abort();
    let _ = server.await;

    let first_answer = state.first_answer_at.lock().unwrap().map(|at| at - started);
    let between = state.at_first.lock().unwrap().zip(*state.at_last.lock().unwrap());
    let (wrong_count, wrong) = std::mem::take(&mut *state.wrong.lock().unwrap());
    Ok(Outcome {
        answered: state.answered.load(Ordering::SeqCst),
        wrong,
        wrong_count,
        first_answer,
        between,
        peak_rss_kib,
        exited,
    })
}
