//! The SAM template cannot be deployed from here; what can be checked is: it is valid YAML,
//! the table is Powertools' idempotency table (partition key `id`, TTL on `expiration`), the
//! function is told its name and may use it, and the queue reports partial batch failures.

use yaml_rust2::{Yaml, YamlLoader};

fn template() -> Yaml {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml"))
        .expect("template.yaml is readable");
    let mut documents = YamlLoader::load_from_str(&text).expect("template.yaml is valid YAML");
    assert_eq!(documents.len(), 1, "one YAML document");
    documents.remove(0)
}

#[test]
fn the_table_is_keyed_by_id_and_expires_records_on_expiration() {
    let template = template();
    let table = &template["Resources"]["IdempotencyTable"];
    assert_eq!(table["Type"].as_str(), Some("AWS::DynamoDB::Table"));
    let properties = &table["Properties"];
    let key = &properties["KeySchema"][0];
    assert_eq!(
        (key["AttributeName"].as_str(), key["KeyType"].as_str()),
        (Some("id"), Some("HASH"))
    );
    assert_eq!(properties["KeySchema"].as_vec().map(Vec::len), Some(1));
    let attribute = &properties["AttributeDefinitions"][0];
    assert_eq!(attribute["AttributeType"].as_str(), Some("S"));
    let ttl = &properties["TimeToLiveSpecification"];
    assert_eq!(ttl["AttributeName"].as_str(), Some("expiration"));
    assert_eq!(ttl["Enabled"].as_bool(), Some(true));
}

#[test]
fn the_function_gets_the_table_and_reports_batch_item_failures() {
    let template = template();
    let function = &template["Resources"]["PaymentsFunction"];
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"].as_str(),
        Some(env!("CARGO_PKG_NAME"))
    );
    let properties = &function["Properties"];
    assert_eq!(
        properties["Environment"]["Variables"]["IDEMPOTENCY_TABLE"]["Ref"].as_str(),
        Some("IdempotencyTable")
    );
    let policy = &properties["Policies"][0]["DynamoDBCrudPolicy"]["TableName"]["Ref"];
    assert_eq!(policy.as_str(), Some("IdempotencyTable"));
    let queue = &properties["Events"]["Payments"];
    assert_eq!(queue["Type"].as_str(), Some("SQS"));
    assert_eq!(
        queue["Properties"]["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    let arn = &queue["Properties"]["Queue"]["Fn::GetAtt"];
    let name = arn[0].as_str().expect("the queue's name");
    assert_eq!(
        template["Resources"][name]["Type"].as_str(),
        Some("AWS::SQS::Queue")
    );
}
