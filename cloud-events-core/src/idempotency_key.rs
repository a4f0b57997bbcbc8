//! What each kind's source guarantees unique, per record or per event: the fields an
//! idempotent handler's records are keyed by unless it names its own key. Read by the runtime
//! (which hashes them) and by the macros (which refuse `idempotent` without a key on a kind
//! that has none).

use crate::{Kind, Receives};

/// The fields that identify one delivery of a kind, as paths of the `when` language.
///
/// ```
/// use cloud_events_core::{Kind, Receives};
/// let sqs = Kind::Sqs.idempotency_key().unwrap();
/// assert_eq!((sqs.paths, sqs.of), (&["messageId"][..], Receives::EachRecord));
/// let cloudevent = Kind::CloudEvents.idempotency_key().unwrap();
/// assert_eq!(cloudevent.paths, ["source", "id"]); // the spec's uniqueness rule
/// // A retried HTTP request is a new request with a new id: no key to take.
/// assert!(Kind::ApiGatewayV2.idempotency_key().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The fields, read from each record (`of` is [`Receives::EachRecord`]) or from the
    /// event. Several fields are one key together.
    pub paths: &'static [&'static str],
    /// Whether the paths are read from each record or from the whole event.
    pub of: Receives,
}

const fn each_record(paths: &'static [&'static str]) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        paths,
        of: Receives::EachRecord,
    })
}

const fn whole_event(paths: &'static [&'static str]) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        paths,
        of: Receives::WholeEvent,
    })
}

impl Kind {
    /// The fields its source guarantees unique for one record (of a batch kind) or one
    /// event, and that stay the same when it is delivered again; `None` where a retry is a
    /// new request with a new id (API Gateway, function URLs, ...) or nothing is documented
    /// unique: an idempotent handler of such a kind names its key (`idempotent(key = "...")`).
    ///
    /// ```
    /// use cloud_events_core::{Kind, Receives};
    /// let s3 = Kind::S3.idempotency_key().unwrap();
    /// assert_eq!(s3.paths, ["s3.bucket.name", "s3.object.key", "s3.object.sequencer"]);
    /// assert_eq!(Kind::EventBridge.idempotency_key().unwrap().of, Receives::WholeEvent);
    /// ```
    pub const fn idempotency_key(self) -> Option<IdempotencyKey> {
        match self {
            Kind::Sqs => each_record(&["messageId"]),
            Kind::Sns => each_record(&["Sns.MessageId"]),
            Kind::DynamoDb | Kind::Kinesis => each_record(&["eventID"]),
            Kind::S3 => each_record(&["s3.bucket.name", "s3.object.key", "s3.object.sequencer"]),
            Kind::Ses => each_record(&["ses.mail.messageId"]),
            Kind::CodeCommit => each_record(&["eventId"]),
            Kind::Kafka | Kind::SelfManagedKafka => each_record(&["topic", "partition", "offset"]),
            Kind::ActiveMq => each_record(&["messageID"]),
            Kind::KinesisFirehose => each_record(&["recordId"]),
            Kind::AzureEventGrid => each_record(&["id"]),
            Kind::CloudEvents => whole_event(&["source", "id"]),
            Kind::EventBridge => whole_event(&["id"]),
            Kind::CloudWatchAlarm => whole_event(&["alarmArn", "alarmData.state.timestamp"]),
            Kind::CloudWatchLogs => whole_event(&["awslogs.data"]),
            Kind::CloudFormation => whole_event(&["RequestId"]),
            Kind::SecretsManager => whole_event(&["ClientRequestToken", "Step"]),
            Kind::CodePipeline => whole_event(&["\"CodePipeline.job\".id"]),
            Kind::CodeDeployHook => whole_event(&["DeploymentId", "LifecycleEventHookExecutionId"]),
            Kind::GcpPubSub => whole_event(&["message.messageId"]),
            Kind::GcpBackground => whole_event(&["context.eventId"]),
            Kind::WorkMail => whole_event(&["messageId"]),
            _ => None,
        }
    }

    /// The key of a handler that receives this kind's events as `receives` says: a key of
    /// each record serves a handler of the whole event too (the batch's record keys
    /// together); a key of the event serves no handler called per record.
    ///
    /// ```
    /// use cloud_events_core::{Kind, Receives};
    /// assert!(Kind::Sqs.idempotency_key_for(Receives::WholeEvent).is_some()); // SqsEvent
    /// assert!(Kind::CloudWatchLogs.idempotency_key_for(Receives::EachRecord).is_none());
    /// ```
    pub const fn idempotency_key_for(self, receives: Receives) -> Option<IdempotencyKey> {
        match (self.idempotency_key(), receives) {
            (
                Some(IdempotencyKey {
                    of: Receives::WholeEvent,
                    ..
                }),
                Receives::EachRecord,
            ) => None,
            (key, _) => key,
        }
    }
}

#[cfg(all(test, feature = "events"))]
mod tests {
    use crate::Kind;
    use crate::condition::Path;

    #[test]
    fn every_default_key_parses_and_is_in_the_kinds_sample() {
        for kind in Kind::ALL {
            let Some(key) = kind.idempotency_key() else {
                continue;
            };
            let sample: serde_json::Value = serde_json::from_str(kind.sample()).unwrap();
            let roots: Vec<serde_json::Value> = match key.of {
                crate::Receives::WholeEvent => vec![sample],
                crate::Receives::EachRecord => {
                    let records = ["Records", "records", "messages"]
                        .iter()
                        .find_map(|field| sample.get(*field).cloned())
                        .or_else(|| sample.is_array().then(|| sample.clone()))
                        .or_else(|| Some(serde_json::Value::Array(vec![sample.clone()])))
                        .unwrap();
                    match records {
                        serde_json::Value::Object(groups) => groups
                            .values()
                            .flat_map(|g| g.as_array().cloned().unwrap_or_default())
                            .collect(),
                        serde_json::Value::Array(list) => list,
                        other => vec![other],
                    }
                }
            };
            assert!(!roots.is_empty(), "{kind}");
            for path in key.paths {
                let parsed = Path::parse(path).unwrap_or_else(|e| panic!("{kind} `{path}`: {e}"));
                for root in &roots {
                    let value = parsed.resolve(root);
                    assert!(
                        value.is_some_and(|v| !v.is_null()),
                        "{kind}: `{path}` is not in its sample's {:?}",
                        key.of
                    );
                }
            }
        }
    }
}
