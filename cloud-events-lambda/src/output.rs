//! Turning what a handler returns into the invocation's response.

use crate::error::{DispatchError, ErrorKind};
use serde::Serialize;
use std::fmt::Display;

/// A handler that returns a value (not a `Result`): the value, as JSON (`()` is `null`).
pub fn value_output<T: Serialize>(value: T) -> Result<serde_json::Value, DispatchError> {
    serde_json::to_value(value).map_err(|e| {
        DispatchError::new(
            ErrorKind::Response,
            format!("the handler's value is not JSON: {e}"),
        )
    })
}

/// A handler that returns a `Result`: the `Ok` value as JSON, or the error's message (with
/// its chain of causes, for error types that print them with `{:#}`, such as `anyhow`).
pub fn result_output<T: Serialize, E: Display>(
    result: Result<T, E>,
    handler: &'static str,
) -> Result<serde_json::Value, DispatchError> {
    match result {
        Ok(value) => value_output(value),
        Err(error) => Err(DispatchError::new(
            ErrorKind::Handler,
            format!("handler `{handler}` failed: {error:#}"),
        )),
    }
}
