//! Python tools the tests start (cargo-lambda, moto's server, the OTLP receiver's protobuf
//! definitions), installed with pip into virtual environments kept between runs; CI installs
//! them itself and says where with a variable, which the callers read first.

use crate::cargo_lambda::succeeded;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The virtual environment `dir/name` with `requirement` installed (made on the first call,
/// then kept: a file named for the requirement says it is complete). `Err` says why it
/// cannot be had.
pub fn venv_with(dir: &Path, name: &str, requirement: &str) -> Result<PathBuf, String> {
    let venv = dir.join(name);
    let done = venv.join(format!("installed {requirement}"));
    if done.is_file() {
        return Ok(venv);
    }
    succeeded(
        Command::new("python3").arg("-m").arg("venv").arg(&venv),
        Duration::from_secs(120),
    )?;
    succeeded(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(requirement),
        Duration::from_secs(300),
    )
    .map_err(|why| format!("{requirement} could not be installed with pip: {why}"))?;
    std::fs::write(&done, "").map_err(|e| e.to_string())?;
    Ok(venv)
}
