//! A stand-in for the Lambda Runtime API on 127.0.0.1: hands one payload out on `/next`, as
//! many times as the runner releases, checks every answer against the expected one, and reads
//! the function process's counters (CPU time, page faults) when the last answer of each release
//! arrives. Everything is bounded: every wait has a deadline, the child is stopped at the end
//! (and killed if dropped), and the connections die with the server task.

use crate::process;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

/// Variables `--env KEY=VALUE` adds to both functions' environment (an allocator's setting,
/// `AWS_LAMBDA_MAX_CONCURRENCY`), set once by `main`.
pub static FUNCTION_ENV: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

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
    /// The answer every invocation must get, posted to `/response`; [`REQUEST_ID`]: the
    /// invocation's own request id, so that an answer posted for another is caught.
    pub expected: &'a Value,
    /// The function's stdout and stderr go here (its logs; none are expected).
    pub log: &'a Path,
    /// A program (and its arguments) to run the function under, e.g. valgrind; empty for none.
    /// It gets the function's environment and the function's path as its last argument.
    pub wrapper: &'a [OsString],
    /// Added to the function's environment (`AWS_LAMBDA_MAX_CONCURRENCY`).
    pub env: &'a [(&'a str, String)],
}

/// An expected answer that stands for the invocation's request id (`req-N`).
pub const REQUEST_ID: &str = "$request-id";

/// What a session saw, by the time it was stopped.
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
    /// VmHWM (KiB) at the end, before the process is stopped.
    pub peak_rss_kib: Option<u64>,
    /// The exit status if the process exited by itself (it never should).
    pub exited: Option<ExitStatus>,
}

/// How a session's process is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGKILL: at once.
    Kill,
    /// SIGTERM, then waiting (up to the given time) for the process to exit: valgrind then
    /// writes its output, which it does not on SIGKILL. Killed if it has not exited by then.
    Term(Duration),
}

#[derive(Default)]
struct State {
    payload: Bytes,
    expected: Value,
    /// Invocations handed out (or being waited for: a `/next` held until released).
    handed_out: AtomicUsize,
    /// How many invocations `/next` may hand out so far.
    released: watch::Sender<usize>,
    answered: AtomicUsize,
    /// At this many answers, the process's counters are read and `reached` is notified.
    target: AtomicUsize,
    pid: AtomicU32,
    wrong: Mutex<(usize, Vec<String>)>,
    first_answer_at: Mutex<Option<Instant>>,
    at_target: Mutex<Option<process::Reading>>,
    reached: Notify,
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
            // Held until the runner releases invocation n, as Lambda holds the long poll
            // between invocations (for ever once the session is over: this task is then
            // dropped with the server). The sender lives in `self`, so this cannot fail.
            let mut released = self.released.subscribe();
            let _ = released.wait_for(|&released| released > n).await;
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
                Ok(answer) if self.expected == REQUEST_ID && answer == id => None,
                Ok(answer) if answer == self.expected && self.expected != REQUEST_ID => None,
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
        // point of every invocation, so that two readings are exactly as many invocations
        // apart as the answers between them.
        let answered = self.answered.fetch_add(1, Ordering::SeqCst) + 1;
        if answered == 1 {
            *self.first_answer_at.lock().unwrap() = Some(Instant::now());
        }
        if answered == self.target.load(Ordering::SeqCst) {
            *self.at_target.lock().unwrap() = process::read(self.pid.load(Ordering::SeqCst));
            self.reached.notify_one();
        }
        Ok(status(StatusCode::ACCEPTED))
    }
}

/// The start of a body, for error reports.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.into_owned()
}

/// A function process and the stand-in serving it. Nothing is handed out until [`Session::serve`]
/// releases it: the process waits on `/next` in between, as between Lambda invocations.
pub struct Session {
    state: Arc<State>,
    child: tokio::process::Child,
    server: JoinHandle<()>,
    started: Instant,
    exited: Option<ExitStatus>,
}

impl Session {
    /// Starts a stand-in serving `serve`, then `function` against it.
    pub async fn start(function: &Function, serve: &Serve<'_>) -> std::io::Result<Session> {
        let state = Arc::new(State {
            payload: serve.payload.clone(),
            expected: serve.expected.clone(),
            ..State::default()
        });
        // Listening before the process starts, as Lambda's API is.
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server_state = Arc::clone(&state);
        let server = tokio::spawn(async move {
            // Dropped with the server task: aborts the connections, held long polls included.
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                // Without it, small answers can wait for delayed ACKs (40 ms on Linux).
                let _ = stream.set_nodelay(true);
                let state = Arc::clone(&server_state);
                connections.spawn(async move {
                    let service =
                        hyper::service::service_fn(move |request| Arc::clone(&state).handle(request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });

        let log = File::options().create(true).append(true).open(serve.log)?;
        let mut command = match serve.wrapper.split_first() {
            Some((program, arguments)) => {
                let mut command = tokio::process::Command::new(program);
                command.args(arguments).arg(&function.path);
                command
            }
            None => tokio::process::Command::new(&function.path),
        };
        // Only what Lambda sets (and SCENARIO, and what `--env` adds): no RUST_LOG, no
        // AWS_LAMBDA_LOG_FORMAT, nothing of the caller's environment.
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("SCENARIO", serve.scenario)
            .envs(
                FUNCTION_ENV
                    .get()
                    .into_iter()
                    .flatten()
                    .map(|(key, value)| (key, value)),
            )
            .envs(serve.env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        let started = Instant::now();
        let child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                server.abort();
                return Err(error);
            }
        };
        // No answer can be handled before this: the stand-in runs on this same thread.
        state.pid.store(child.id().unwrap_or(0), Ordering::SeqCst);
        Ok(Session {
            state,
            child,
            server,
            started,
            exited: None,
        })
    }

    /// Releases `n` more invocations and waits until they are answered, then returns the
    /// process's counters read when the last of them arrived (`None` if /proc could not be
    /// read). An error if the process exits or `deadline` passes first.
    pub async fn serve(&mut self, n: usize, deadline: Instant) -> Result<Option<process::Reading>, String> {
        if let Some(status) = self.exited {
            return Err(format!("the process had exited ({status})"));
        }
        let target = *self.state.released.borrow() + n;
        self.state.target.store(target, Ordering::SeqCst);
        self.state.released.send_modify(|released| *released = target);
        tokio::select! {
            _ = self.state.reached.notified() => Ok(self.state.at_target.lock().unwrap().take()),
            status = self.child.wait() => {
                let status = status.map_err(|error| format!("waiting for the process: {error}"))?;
                self.exited = Some(status);
                Err(format!("the process exited ({status})"))
            }
            _ = tokio::time::sleep_until(deadline.into()) => Err(format!(
                "timed out: {} of {target} invocations answered",
                self.state.answered.load(Ordering::SeqCst)
            )),
        }
    }

    /// Stops the process and the stand-in.
    pub async fn finish(mut self, stop: Stop) -> Outcome {
        let pid = self.child.id();
        let peak_rss_kib = pid.and_then(process::peak_rss_kib);
        if let (Stop::Term(wait), Some(pid)) = (stop, pid) {
            // No signal API in std, and no unsafe code here: kill(1) sends it.
            let sent = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .is_ok_and(|status| status.success());
            if sent {
                let _ = tokio::time::timeout(wait, self.child.wait()).await;
            }
        }
        let _ = self.child.kill().await;
        self.server.abort();
        let _ = (&mut self.server).await;

        let state = &self.state;
        let first_answer = state.first_answer_at.lock().unwrap().map(|at| at - self.started);
        let (wrong_count, wrong) = std::mem::take(&mut *state.wrong.lock().unwrap());
        Outcome {
            answered: state.answered.load(Ordering::SeqCst),
            wrong,
            wrong_count,
            first_answer,
            peak_rss_kib,
            exited: self.exited,
        }
    }
}
