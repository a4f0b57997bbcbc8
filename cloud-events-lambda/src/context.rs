//! The invocation's context: the Lambda context, or a stand-in when run locally.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What Lambda says about the current invocation. Locally (`APP invoke`), a stand-in with a
/// `local-N` request id, a 15-minute deadline and a `local` function ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The request id (`lambda-runtime-aws-request-id`).
    pub request_id: String,
    /// The deadline, in milliseconds since the Unix epoch.
    pub deadline_ms: u64,
    /// The ARN the function was invoked with.
    pub invoked_function_arn: String,
    /// The X-Ray trace id, if any.
    pub xray_trace_id: Option<String>,
}

impl Context {
    /// A stand-in for local runs.
    pub fn local(sequence: usize, function_name: &str) -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Context {
            request_id: format!("local-{sequence}"),
            deadline_ms: (now + Duration::from_secs(15 * 60)).as_millis() as u64,
            invoked_function_arn: format!("arn:aws:lambda:local:000000000000:function:{function_name}"),
            xray_trace_id: None,
        }
    }

    /// The deadline as a [`SystemTime`].
    pub fn deadline(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.deadline_ms)
    }

    /// Time left before the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.deadline()
            .duration_since(SystemTime::now())
            .unwrap_or_default()
    }
}

impl From<&lambda_runtime::Context> for Context {
    fn from(context: &lambda_runtime::Context) -> Self {
        Context {
            request_id: context.request_id.clone(),
            deadline_ms: context.deadline,
            invoked_function_arn: context.invoked_function_arn.clone(),
            xray_trace_id: context.xray_trace_id.clone(),
        }
    }
}
