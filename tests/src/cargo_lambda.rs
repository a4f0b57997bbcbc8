//! `cargo-lambda`'s Runtime API emulator (`cargo lambda watch --only-lambda-apis`), a real
//! client of the Runtime API written by others, driving an app binary as `cargo lambda` users
//! run it. Everything is bounded: the emulator and the app are killed when the [`Emulator`] is
//! dropped, and every request and command has a timeout.
//!
//! What the emulator does that a test must know (found by trying it): it needs a Cargo project
//! with a binary target in its working directory (a dummy one does); it passes request bodies
//! through byte for byte; it sends `lambda-runtime-deadline-ms: 600000` (ten minutes after
//! 1970); a request it cannot place waits forever; and a port already in use makes it exit 0
//! after printing its usual start-up lines.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The version the tests are written against.
pub const VERSION: &str = "1.9.2";

/// [`find_or_install`] in the scratch folder `dir` (made if need be), or `None` after saying
/// on stderr that the test is skipped and why.
pub fn find_or_skip(dir: &Path) -> Option<PathBuf> {
    let found = std::fs::create_dir_all(dir)
        .map_err(|error| format!("no scratch folder {}: {error}", dir.display()))
        .and_then(|()| find_or_install(dir));
    match found {
        Ok(binary) => Some(binary),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// The `cargo-lambda` binary: `$CARGO_LAMBDA`, else `cargo-lambda` on `PATH`, else installed
/// with pip into a virtual environment under `dir` (kept for the next run). `Err` says why
/// it cannot be had.
pub fn find_or_install(dir: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CARGO_LAMBDA") {
        return Ok(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("cargo-lambda"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if let Some(found) = on_path.into_iter().find(|p| p.is_file()) {
        return Ok(found);
    }
    let venv = crate::pip::venv_with(dir, "cargo-lambda-venv", &format!("cargo-lambda=={VERSION}"))?;
    let binary = venv.join("bin").join("cargo-lambda");
    binary
        .is_file()
        .then_some(binary)
        .ok_or_else(|| "pip installed cargo-lambda but its binary is missing".to_owned())
}

/// Runs `command` to its end, or kills it after `limit`; `Err` unless it exits 0.
pub(crate) fn succeeded(command: &mut Command, limit: Duration) -> Result<(), String> {
    let output = run_bounded(command, limit)?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{command:?} exited with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// Runs `command` to its end, or kills it after `limit` (an `Err`).
fn run_bounded(command: &mut Command, limit: Duration) -> Result<Output, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{command:?}: {e}"))?;
    let deadline = Instant::now() + limit;
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?} took more than {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().map_err(|e| e.to_string())
}

/// What `cargo lambda invoke` printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invoked {
    /// Exit 0: the response body.
    Response(String),
    /// Exit 1 after the function answered on `/error`: the `errorType` it printed.
    Error(String),
}

/// A running emulator, with the app it serves.
pub struct Emulator {
    binary: PathBuf,
    port: u16,
    watch: Child,
    app: Option<Child>,
}

impl Emulator {
    /// Starts `cargo-lambda` (`binary`) in a dummy project under `dir`, on a free port of
    /// 127.0.0.1, and waits (at most 20 s) until it listens.
    pub fn start(binary: &Path, dir: &Path) -> Result<Emulator, String> {
        let project = dir.join("cargo-lambda-project");
        std::fs::create_dir_all(project.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(
            project.join("Cargo.toml"),
            "[package]\nname = \"emulated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(project.join("src").join("main.rs"), "fn main() {}\n").map_err(|e| e.to_string())?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let watch = Command::new(binary)
            .args(["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P"])
            .arg(port.to_string())
            .current_dir(&project)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cargo-lambda does not start: {e}"))?;
        let mut emulator = Emulator {
            binary: binary.to_owned(),
            port,
            watch,
            app: None,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = emulator.watch.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("cargo lambda watch exited ({status}) before listening"));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(emulator);
            }
            if Instant::now() > deadline {
                return Err("cargo lambda watch did not listen within 20 s".to_owned());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the app against the emulator, as its start-up lines tell a user to.
    pub fn serve(&mut self, app: &Path, env: &[(&str, &str)]) -> Result<(), String> {
        self.serve_with_output(app, env, Stdio::null(), Stdio::null())
    }

    /// [`Emulator::serve`], with the app's stdout and stderr going to `stdout` and `stderr`
    /// (files: the test reads them once the app is stopped).
    pub fn serve_with_output(
        &mut self,
        app: &Path,
        env: &[(&str, &str)],
        stdout: impl Into<Stdio>,
        stderr: impl Into<Stdio>,
    ) -> Result<(), String> {
        let mut command = Command::new(app);
        command
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{}/.rt", self.port),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for (name, value) in env {
            command.env(name, value);
        }
        self.app = Some(
            command
                .spawn()
                .map_err(|e| format!("the app does not start: {e}"))?,
        );
        Ok(())
    }

    /// Whether the app is still running.
    pub fn app_running(&mut self) -> bool {
        self.app
            .as_mut()
            .is_some_and(|app| matches!(app.try_wait(), Ok(None)))
    }

    /// Invokes the function with `payload`, byte for byte, through the emulator's Lambda
    /// Invoke API: the HTTP status and the body of the answer (the response, or on a 500 the
    /// error document). Gives up after 60 s.
    pub fn post(&self, payload: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        let head = format!(
            "POST /2015-03-31/functions/_/invocations HTTP/1.1\r\nhost: 127.0.0.1:{}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            self.port,
            payload.len()
        );
        stream.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
        stream.write_all(payload).map_err(|e| e.to_string())?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .map_err(|e| format!("reading the answer: {e}"))?;
        parse_response(&raw)
    }

    /// `cargo lambda invoke --data-file FILE`, as a user runs it (at most 60 s).
    pub fn invoke_file(&self, file: &Path) -> Result<Invoked, String> {
        let mut command = Command::new(&self.binary);
        command
            .args(["lambda", "invoke", "--invoke-address", "127.0.0.1", "-P"])
            .arg(self.port.to_string())
            .arg("--data-file")
            .arg(file)
            .arg("_");
        let output = run_bounded(&mut command, Duration::from_secs(60))?;
        if output.status.success() {
            return Ok(Invoked::Response(
                String::from_utf8_lossy(&output.stdout).trim_end().to_owned(),
            ));
        }
        // `Error: <errorType>`, then the message, as miette renders it.
        let stderr = String::from_utf8_lossy(&output.stderr);
        stderr
            .lines()
            .find_map(|line| line.trim().strip_prefix("Error: "))
            .map(|error_type| Invoked::Error(error_type.to_owned()))
            .ok_or_else(|| format!("cargo lambda invoke exited with {}: {stderr}", output.status))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for child in self.app.iter_mut().chain(std::iter::once(&mut self.watch)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The status and body of an HTTP/1.1 response read to its end.
fn parse_response(raw: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers in the answer")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    let body = &raw[split + 4..];
    if !head.contains("transfer-encoding: chunked") {
        return Ok((status, body.to_vec()));
    }
    // Chunked: `size\r\n data \r\n`, until a chunk of size 0.
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunk size without its line end")?;
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16)
            .map_err(|e| format!("a bad chunk size: {e}"))?;
        if size == 0 {
            return Ok((status, out));
        }
        let data = rest
            .get(line_end + 2..line_end + 2 + size)
            .ok_or("a chunk shorter than its size")?;
        out.extend_from_slice(data);
        rest = rest.get(line_end + 4 + size..).unwrap_or_default();
    }
}
