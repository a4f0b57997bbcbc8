//! The invocation's context: the Lambda context, or a stand-in when run locally.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What Lambda says about the current invocation. Locally (`APP invoke`), a stand-in with a
/// `local-N` request id, a 15-minute deadline and a `local` function ARN.
///
/// ```
/// use cloud_events_lambda::{Context, RawEvent, on_event};
///
/// /// A handler takes the context like any injected parameter.
/// #[on_event(default)]
/// fn traced(_event: RawEvent, context: Context) -> String {
///     format!("{} ({} ms left)", context.request_id, context.remaining().as_millis())
/// }
///
/// # fn main() {
/// let context = Context::local(1, "books");
/// assert_eq!(context.request_id, "local-1");
/// assert_eq!(context.xray_trace_id, None);
/// assert!(traced(RawEvent::new("{}"), context).starts_with("local-1 ("));
/// # }
/// ```
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
    ///
    /// ```
    /// use cloud_events_lambda::Context;
    /// use std::time::Duration;
    /// let context = Context::local(7, "books");
    /// assert_eq!(context.request_id, "local-7");
    /// assert_eq!(context.invoked_function_arn, "arn:aws:lambda:local:000000000000:function:books");
    /// assert!(context.remaining() > Duration::from_secs(14 * 60));
    /// ```
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
    ///
    /// ```
    /// use cloud_events_lambda::Context;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let context = Context { deadline_ms: 1_793_697_342_318, ..Context::local(1, "books") };
    /// assert_eq!(context.deadline(), UNIX_EPOCH + Duration::from_millis(1_793_697_342_318));
    /// ```
    pub fn deadline(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.deadline_ms)
    }

    /// Time left before the deadline (zero once it has passed).
    ///
    /// ```
    /// use cloud_events_lambda::Context;
    /// use std::time::Duration;
    /// assert!(Context::local(1, "books").remaining() > Duration::from_secs(60));
    /// let expired = Context { deadline_ms: 0, ..Context::local(1, "books") };
    /// assert_eq!(expired.remaining(), Duration::ZERO);
    /// ```
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
