//! SageMaker Ground Truth custom labeling workflows: the pre-annotation and the
//! post-annotation (consolidation) functions (`aws_lambda_events` has no type for them), and
//! what each answers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What Ground Truth sends the pre-annotation function, for each data object.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::GroundTruthPreAnnotationEvent};
/// let event: GroundTruthPreAnnotationEvent = RawEvent::new(Kind::GroundTruthPre.sample()).decode_json().unwrap();
/// assert_eq!(event.data_object["source-ref"], "s3://acme-labeling/images/cat-0001.jpg");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundTruthPreAnnotationEvent {
    /// The request's version (`2018-10-16`).
    pub version: String,
    /// The labeling job.
    pub labeling_job_arn: String,
    /// The data object: `source-ref` (an S3 URI) or `source` (inline text), and any other
    /// fields of its manifest line.
    pub data_object: Value,
}

/// The pre-annotation function's answer: the task's input for the worker template, and
/// whether a human should label it.
///
/// ```
/// use cloud_events_core::events::GroundTruthPreAnnotationAnswer;
/// let answer = GroundTruthPreAnnotationAnswer {
///     task_input: serde_json::json!({"taskObject": "s3://acme-labeling/images/cat-0001.jpg"}),
///     is_human_annotation_required: Some(true),
/// };
/// // Ground Truth reads the flag as a string.
/// assert_eq!(serde_json::to_value(&answer).unwrap()["isHumanAnnotationRequired"], "true");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundTruthPreAnnotationAnswer {
    /// What the worker task template reads as `task.input`.
    pub task_input: Value,
    /// Whether the object goes to workers (`"true"`/`"false"` on the wire; absent: it does).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "flag_as_text")]
    pub is_human_annotation_required: Option<bool>,
}

mod flag_as_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(flag: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
        match flag {
            Some(flag) => serializer.serialize_str(if *flag { "true" } else { "false" }),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        Ok(text.map(|text| text == "true"))
    }
}

/// What Ground Truth sends the post-annotation (consolidation) function: where the workers'
/// answers are.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::GroundTruthConsolidationEvent};
/// let event: GroundTruthConsolidationEvent = RawEvent::new(Kind::GroundTruthPost.sample()).decode_json().unwrap();
/// assert!(event.payload.s3_uri.ends_with("annotations.json"));
/// assert_eq!(event.label_attribute_name, "animal");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundTruthConsolidationEvent {
    /// The request's version (`2018-10-16`).
    pub version: String,
    /// The labeling job.
    pub labeling_job_arn: String,
    /// The output's label attribute: the key of each consolidated annotation's content.
    pub label_attribute_name: String,
    /// The role that may read the workers' answers.
    pub role_arn: String,
    /// The workers' answers.
    pub payload: GroundTruthPayload,
    /// Where the job writes its output.
    #[serde(default)]
    pub output_config: Option<String>,
}

/// Where the workers' answers are.
///
/// ```
/// use cloud_events_core::events::GroundTruthPayload;
/// let payload: GroundTruthPayload = serde_json::from_str(r#"{"s3Uri": "s3://labels/job-7/answers.json"}"#).unwrap();
/// assert_eq!(payload.s3_uri, "s3://labels/job-7/answers.json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundTruthPayload {
    /// An S3 URI of a JSON file of the answers per data object.
    pub s3_uri: String,
}

/// One data object's consolidated label; the consolidation function answers with a list of
/// them.
///
/// ```
/// use cloud_events_core::events::GroundTruthConsolidatedAnnotation;
/// let label = GroundTruthConsolidatedAnnotation::new("0", "animal", serde_json::json!({"label": "cat"}));
/// assert_eq!(
///     serde_json::to_value(vec![label]).unwrap(),
///     serde_json::json!([{"datasetObjectId": "0", "consolidatedAnnotation": {"content": {"animal": {"label": "cat"}}}}])
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundTruthConsolidatedAnnotation {
    /// The data object's id, as the workers' answers name it.
    pub dataset_object_id: String,
    /// Its label.
    pub consolidated_annotation: GroundTruthAnnotationContent,
}

/// A consolidated label, under the job's label attribute name.
///
/// ```
/// use cloud_events_core::events::GroundTruthConsolidatedAnnotation;
/// let label = GroundTruthConsolidatedAnnotation::new("obj-1", "species", serde_json::json!("cat"));
/// assert_eq!(label.consolidated_annotation.content["species"], "cat");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruthAnnotationContent {
    /// `{label_attribute_name: label}`.
    pub content: Map<String, Value>,
}

impl GroundTruthConsolidatedAnnotation {
    /// The label of object `dataset_object_id` under `label_attribute_name`.
    pub fn new(dataset_object_id: impl Into<String>, label_attribute_name: &str, label: Value) -> Self {
        let mut content = Map::new();
        content.insert(label_attribute_name.to_owned(), label);
        GroundTruthConsolidatedAnnotation {
            dataset_object_id: dataset_object_id.into(),
            consolidated_annotation: GroundTruthAnnotationContent { content },
        }
    }
}
