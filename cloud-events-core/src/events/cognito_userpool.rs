//! Cognito user pool triggers of any trigger source.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Any Cognito user pool trigger. `aws_lambda_events` has one type per trigger
/// (`CognitoEventUserPoolsPreSignup`, ...), which a handler may take instead; this one fits all
/// of them, with `request` and `response` kept as JSON.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::CognitoUserPoolEvent};
/// let event: CognitoUserPoolEvent = RawEvent::new(Kind::CognitoUserPool.sample()).decode_json().unwrap();
/// assert_eq!(event.trigger_source, "PreSignUp_SignUp");
/// assert_eq!(event.request["userAttributes"]["email"], "dave@customer.example.org");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CognitoUserPoolEvent {
    /// The trigger's format version.
    #[serde(default)]
    pub version: Option<String>,
    /// e.g. `PreSignUp_SignUp`, `PostConfirmation_ConfirmSignUp`.
    pub trigger_source: String,
    /// The region.
    #[serde(default)]
    pub region: Option<String>,
    /// The user pool.
    pub user_pool_id: String,
    /// The user.
    #[serde(default)]
    pub user_name: Option<String>,
    /// SDK version and client id.
    #[serde(default)]
    pub caller_context: Option<Value>,
    /// The trigger's request.
    #[serde(default)]
    pub request: Value,
    /// The trigger's response, to fill in and return.
    #[serde(default)]
    pub response: Value,
}
