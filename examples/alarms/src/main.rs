//! event-processor's own example, in our terms: a CloudWatch alarm is delivered through SNS;
//! when it goes from OK to ALARM, a message goes out through a notifier that a factory makes
//! for the channel the handler names (`#[dep("slack")]`); back to OK, a quieter note goes to
//! email; anything else is logged and ignored.
//!
//! ```text
//! cargo run -p alarms -- invoke examples/alarms/events/sns-alarm-ok-to-alarm.json
//! ```

mod notify;

use cloud_events_lambda::events::{CloudWatchAlarmPayload, SnsEvent};
use cloud_events_lambda::{App, Classification, Dep, RawEvent, on_event};
use notify::{Notifier, Outbox, Sent};
use std::process::ExitCode;

/// Why an alarm could not be handled.
#[derive(Debug, thiserror::Error)]
enum AlarmError {
    #[error("record {index}: the SNS message is not a CloudWatch alarm: {source}")]
    NotAnAlarm { index: usize, source: serde_json::Error },
    #[error(transparent)]
    Notify(#[from] notify::NotifyError),
}

/// The alarms in an SNS event (CloudWatch publishes the alarm as the message's JSON).
fn alarms(event: &SnsEvent) -> Result<Vec<CloudWatchAlarmPayload>, AlarmError> {
    event
        .records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            serde_json::from_str(&record.sns.message)
                .map_err(|source| AlarmError::NotAnAlarm { index, source })
        })
        .collect()
}

/// OK -> ALARM: page the team on Slack.
#[on_event(
    "aws.sns",
    when = r#"Records[0].Sns.Message.NewStateValue == "ALARM" && Records[0].Sns.Message.OldStateValue == "OK""#
)]
fn alarm_raised(event: SnsEvent, #[dep("slack")] notifier: Dep<Notifier>) -> Result<Vec<Sent>, AlarmError> {
    let mut sent = Vec::new();
    for alarm in alarms(&event)? {
        let text = format!("{} is in ALARM: {}", alarm.alarm_name, alarm.new_state_reason);
        sent.push(notifier.send(&text)?);
    }
    Ok(sent)
}

/// ALARM -> OK: a note by email.
#[on_event(
    "aws.sns",
    when = r#"Records[0].Sns.Message.NewStateValue == "OK" && Records[0].Sns.Message.OldStateValue == "ALARM""#
)]
fn alarm_resolved(event: SnsEvent, #[dep("email")] notifier: Dep<Notifier>) -> Result<Vec<Sent>, AlarmError> {
    let mut sent = Vec::new();
    for alarm in alarms(&event)? {
        sent.push(notifier.send(&format!("{} is OK again", alarm.alarm_name))?);
    }
    Ok(sent)
}

/// Everything else: logged by route (never the payload) and ignored.
#[on_event(default)]
fn unexpected(_event: RawEvent, classification: Classification) -> serde_json::Value {
    tracing::warn!(
        route = classification.route_key(),
        "not an alarm transition we act on; ignored"
    );
    serde_json::json!({ "ignored": classification.route_key() })
}

#[tokio::main]
async fn main() -> ExitCode {
    App::new().dep(Outbox::default()).run().await
}
