//! The kinds whose functions Lambda reads an answer from, with the answer typed from AWS's
//! documentation: each handler answers through `invoke` as the service expects the JSON.

use cloud_events_lambda::events::{
    GroundTruthConsolidatedAnnotation, GroundTruthConsolidationEvent, GroundTruthPreAnnotationAnswer,
    GroundTruthPreAnnotationEvent, IotPreProvisioningHookAnswer, IotPreProvisioningHookEvent, WorkMailAction,
    WorkMailActionType, WorkMailDisposition, WorkMailEvent, WorkMailRecipientsAction,
};
use cloud_events_lambda::{App, Context, Kind, on_event};
use serde_json::json;

/// Bounces mail from outside `example.com` sent to `sales@`, delivers the rest.
#[on_event("aws.workmail")]
fn screen(mail: WorkMailEvent) -> WorkMailDisposition {
    let outside = !mail.envelope.mail_from.address.ends_with("@example.com");
    let sales: Vec<String> = mail
        .envelope
        .recipients
        .iter()
        .map(|r| r.address.clone())
        .filter(|a| a.starts_with("sales@"))
        .collect();
    let mut actions = vec![];
    if outside && !sales.is_empty() {
        actions.push(WorkMailRecipientsAction {
            action: WorkMailAction {
                ty: WorkMailActionType::Bounce,
                bounce_message: Some("Write to orders@ instead.".into()),
            },
            recipients: Some(sales),
            all_recipients: None,
        });
    }
    actions.push(WorkMailRecipientsAction {
        action: WorkMailAction {
            ty: WorkMailActionType::Default,
            bounce_message: None,
        },
        recipients: None,
        all_recipients: Some(true),
    });
    WorkMailDisposition { actions }
}

#[on_event("aws.sagemaker.groundtruth.pre")]
fn pre_annotate(event: GroundTruthPreAnnotationEvent) -> GroundTruthPreAnnotationAnswer {
    GroundTruthPreAnnotationAnswer {
        task_input: json!({ "taskObject": event.data_object["source-ref"] }),
        is_human_annotation_required: Some(true),
    }
}

#[on_event("aws.sagemaker.groundtruth.post")]
fn consolidate(event: GroundTruthConsolidationEvent) -> Vec<GroundTruthConsolidatedAnnotation> {
    vec![GroundTruthConsolidatedAnnotation::new(
        "0",
        &event.label_attribute_name,
        json!({"label": "cat"}),
    )]
}

#[on_event("aws.iot.preprovision")]
fn admit(event: IotPreProvisioningHookEvent) -> IotPreProvisioningHookAnswer {
    if event
        .parameters
        .get("SerialNumber")
        .is_some_and(|serial| serial.starts_with("SN-"))
    {
        IotPreProvisioningHookAnswer::allow().with_override("DeviceLocation", "Dublin-2")
    } else {
        IotPreProvisioningHookAnswer::deny()
    }
}

/// The answer Lambda would get for `json`.
async fn invoke(json: &str) -> serde_json::Value {
    let dispatcher = App::new().dispatcher().expect("starts");
    dispatcher
        .dispatch(json, Context::local(1, "answers"))
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_workmail_rule_answers_its_disposition() {
    assert_eq!(
        invoke(Kind::WorkMail.sample()).await,
        json!({"actions": [
            {"action": {"type": "BOUNCE", "parameters": {"bounceMessage": "Write to orders@ instead."}}, "recipients": ["sales@example.com"]},
            {"action": {"type": "DEFAULT"}, "allRecipients": true}
        ]})
    );
}

#[tokio::test]
async fn ground_truth_functions_answer_the_task_input_and_the_consolidated_labels() {
    assert_eq!(
        invoke(Kind::GroundTruthPre.sample()).await,
        json!({"taskInput": {"taskObject": "s3://acme-labeling/images/cat-0001.jpg"}, "isHumanAnnotationRequired": "true"})
    );
    assert_eq!(
        invoke(Kind::GroundTruthPost.sample()).await,
        json!([{"datasetObjectId": "0", "consolidatedAnnotation": {"content": {"animal": {"label": "cat"}}}}])
    );
}

#[tokio::test]
async fn the_pre_provisioning_hook_answers_whether_to_provision() {
    assert_eq!(
        invoke(Kind::IotPreProvision.sample()).await,
        json!({"allowProvisioning": true, "parameterOverrides": {"DeviceLocation": "Dublin-2"}})
    );
    let mut unknown: serde_json::Value = serde_json::from_str(Kind::IotPreProvision.sample()).unwrap();
    unknown["parameters"]["SerialNumber"] = json!("X-1");
    assert_eq!(
        invoke(&unknown.to_string()).await,
        json!({"allowProvisioning": false})
    );
}
