//! Turning what a handler returns into the invocation's response. The expansion of
//! `#[on_event]` serialises the value and formats the error in the user's crate (so that a
//! type that is not `Serialize`, or an error that is not `Display`, is reported at the
//! handler's return type, in serde's and std's words); these finish the answer.

use crate::error::{DispatchError, ErrorKind};

/// A handler's value as the JSON the expansion serialised it into (`()` is `null`).
pub fn json_answer(
    json: Result<serde_json::Value, serde_json::Error>,
) -> Result<serde_json::Value, DispatchError> {
    json.map_err(|e| {
        DispatchError::new(
            ErrorKind::Response,
            format!("the handler's value is not JSON: {e}"),
        )
    })
}

/// A handler's `Err`, with its message as the expansion formatted it (`{:#}`: with its chain
/// of causes, for error types that print them so, such as `anyhow`).
pub fn handler_failed(handler: &'static str, message: String) -> DispatchError {
    DispatchError::new(
        ErrorKind::Handler,
        format!("handler `{handler}` failed: {message}"),
    )
}
