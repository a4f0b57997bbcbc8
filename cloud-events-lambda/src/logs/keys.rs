//! The keys a JSON line carries besides its own fields: the process's (the function's, the
//! service, the sampling rate) and, in an invocation, the invocation's (the cold start, the
//! invoked ARN, the correlation id).

use super::config::LogConfig;

/// The keys of one line.
pub(crate) struct LineKeys<'a> {
    pub(crate) config: &'a LogConfig,
    /// `None` outside an invocation.
    pub(crate) invocation: Option<InvocationKeys<'a>>,
}

/// An invocation's own keys.
pub(crate) struct InvocationKeys<'a> {
    pub(crate) cold_start: bool,
    pub(crate) function_arn: &'a str,
    pub(crate) correlation_id: Option<&'a str>,
}
