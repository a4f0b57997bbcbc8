//! Implementations of DynamoDB's API written by others, started on a free port of 127.0.0.1
//! and killed when dropped: `dynalite` (npm), which validates requests as DynamoDB does, and
//! moto's server (PyPI), a second implementation, so that nothing leans on one server's
//! leniency; and a proxy in front of either that counts the requests the server gets and can
//! delay them (a stand-in for the network between Lambda and DynamoDB).
//!
//! What they do that a test must know (found by trying them): dynalite does not return the
//! item of a failed conditional write (`ReturnValuesOnConditionCheckFailure` is accepted and
//! ignored), moto does; dynalite's `--path DIR` keeps its tables on disk, so that a server
//! stopped and started again on the same port has them still, moto's are in memory only.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The dynalite version the tests are written against.
pub const VERSION: &str = "3.2.2";

/// The moto version the tests are written against.
pub const MOTO_VERSION: &str = "5.2.5";

/// Which implementation of DynamoDB's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// dynalite (`find_or_install`).
    Dynalite,
    /// moto's server (`find_or_install_moto`).
    Moto,
}

/// moto's server: `$MOTO_SERVER`, else installed with pip into a virtual environment under
/// `dir` (kept for the next run). `Err` says why it cannot be had.
pub fn find_or_install_moto(dir: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let venv = crate::pip::venv_with(
        dir,
        "moto-venv",
        &format!("moto[server,dynamodb]=={MOTO_VERSION}"),
    )?;
    let binary = venv.join("bin").join("moto_server");
    binary
        .is_file()
        .then_some(binary)
        .ok_or_else(|| "pip installed moto but its server is missing".to_owned())
}

/// The dynalite command: `$DYNALITE`, else installed with npm under `dir` (kept for the next
/// run). `Err` says why it cannot be had.
pub fn find_or_install(dir: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("DYNALITE") {
        return Ok(PathBuf::from(path));
    }
    let prefix = dir.join("dynalite-npm");
    let binary = prefix.join("node_modules").join(".bin").join("dynalite");
    if binary.is_file() {
        return Ok(binary);
    }
    std::fs::create_dir_all(&prefix).map_err(|e| e.to_string())?;
    let output = Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(format!("dynalite@{VERSION}"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "npm install dynalite@{VERSION} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    binary
        .is_file()
        .then_some(binary)
        .ok_or_else(|| "npm installed dynalite but its binary is missing".to_owned())
}

/// A running implementation of DynamoDB's API (dynalite or moto's server); killed on drop.
pub struct DynamoDbServer {
    child: Option<Child>,
    port: u16,
    binary: PathBuf,
    data: PathBuf,
    implementation: Implementation,
}

impl DynamoDbServer {
    /// Starts `binary` on `port` (a free one if `None`), keeping its tables in `data`, and
    /// waits (at most 20 s) until it listens.
    pub fn start(binary: &Path, data: &Path, port: Option<u16>) -> Result<DynamoDbServer, String> {
        let port = match port {
            Some(port) => port,
            None => free_port()?,
        };
        let mut server = DynamoDbServer {
            child: None,
            port,
            binary: binary.to_path_buf(),
            data: data.to_path_buf(),
            implementation: Implementation::Dynalite,
        };
        server.start_again()?;
        Ok(server)
    }

    /// moto's server (`binary`) on a free port, waited for as [`DynamoDbServer::start`] waits.
    pub fn start_moto(binary: &Path) -> Result<DynamoDbServer, String> {
        let mut server = DynamoDbServer {
            child: None,
            port: free_port()?,
            binary: binary.to_path_buf(),
            data: PathBuf::new(),
            implementation: Implementation::Moto,
        };
        server.start_again()?;
        Ok(server)
    }

    /// A dynalite of a test's own, installed under `dir` when missing, its tables in a fresh
    /// folder named for the test; `None`, with a line saying the test skipped, where dynalite
    /// cannot be had on this machine.
    pub fn start_for_test(dir: &Path, name: &str) -> Option<DynamoDbServer> {
        Self::start_for_test_of(Implementation::Dynalite, dir, name)
    }

    /// [`DynamoDbServer::start_for_test`] of either implementation.
    pub fn start_for_test_of(
        implementation: Implementation,
        dir: &Path,
        name: &str,
    ) -> Option<DynamoDbServer> {
        let found = match implementation {
            Implementation::Dynalite => find_or_install(dir),
            Implementation::Moto => find_or_install_moto(dir),
        };
        let binary = match found {
            Ok(binary) => binary,
            Err(why) => {
                eprintln!("skipped: {why}");
                return None;
            }
        };
        if implementation == Implementation::Moto {
            return Some(DynamoDbServer::start_moto(&binary).expect("moto's server starts"));
        }
        let data = dir.join(format!("dynalite-data-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        Some(DynamoDbServer::start(&binary, &data, None).expect("dynalite starts"))
    }

    /// Starts it (again, after [`DynamoDbServer::stop`]) on its port, with the tables it had
    /// (dynalite; moto starts empty).
    pub fn start_again(&mut self) -> Result<(), String> {
        let mut command = Command::new(&self.binary);
        match self.implementation {
            Implementation::Dynalite => {
                std::fs::create_dir_all(&self.data).map_err(|e| e.to_string())?;
                command
                    .args(["--port", &self.port.to_string(), "--createTableMs", "0", "--path"])
                    .arg(&self.data);
            }
            Implementation::Moto => {
                command.args(["-H", "127.0.0.1", "-p", &self.port.to_string()]);
            }
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.binary.display()))?;
        let child = self.child.insert(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err("dynalite did not listen within 20 s".to_owned());
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("dynalite exited with {status}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills it and waits until it is gone; its tables stay in their folder.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for DynamoDbServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A client of the server at `endpoint`, with fixed credentials and region, and retries
/// bounded so that a stopped server fails fast.
pub fn client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(5))
                .build(),
        )
        .build();
    Client::from_conf(config)
}

/// Creates Powertools' idempotency table `name` (partition key `id`, a string).
pub async fn create_table(client: &Client, name: &str) -> Result<(), String> {
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
    Ok(())
}

/// A TCP proxy on 127.0.0.1 in front of a server: it names each DynamoDB request it passes
/// (`PutItem`, `UpdateItem`...), and holds each one `delay` before passing it on.
pub struct Proxy {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Starts the proxy to `127.0.0.1:upstream` on a tokio task.
    pub async fn start(upstream: u16, delay: Duration) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    pipe(client, server, seen, delay).await;
                });
            }
        });
        Proxy { port, requests }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests passed so far, by operation, and forgets them.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

const TARGET: &[u8] = b"x-amz-target: dynamodb_20120810.";

async fn pipe(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    seen: Arc<Mutex<Vec<String>>>,
    delay: Duration,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let lower = buffer[..n].to_ascii_lowercase();
            let operations: Vec<String> = lower
                .windows(TARGET.len())
                .enumerate()
                .filter(|(_, window)| *window == TARGET)
                .map(|(at, _)| {
                    let rest = &buffer[at + TARGET.len()..n];
                    let end = rest
                        .iter()
                        .position(|b| !b.is_ascii_alphanumeric())
                        .unwrap_or(rest.len());
                    String::from_utf8_lossy(&rest[..end]).into_owned()
                })
                .collect();
            if !operations.is_empty() {
                seen.lock().unwrap().extend(operations);
                tokio::time::sleep(delay).await;
            }
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}
