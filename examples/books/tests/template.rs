//! The SAM template cannot be deployed from here; what can be checked is: it is valid YAML,
//! and it wires the function (the `bootstrap` of the `books` binary on provided.al2023) to the
//! uploads bucket's creations and removals and to the import queue with partial batch
//! responses.

use yaml_rust2::{Yaml, YamlLoader};

fn template() -> Yaml {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml"))
        .expect("template.yaml is readable");
    let mut documents = YamlLoader::load_from_str(&text).expect("template.yaml is valid YAML");
    assert_eq!(documents.len(), 1, "one YAML document");
    documents.remove(0)
}

fn strings(list: &Yaml) -> Vec<&str> {
    list.as_vec()
        .expect("a list")
        .iter()
        .map(|item| item.as_str().expect("a string"))
        .collect()
}

#[test]
fn the_function_is_the_books_binary_on_provided_al2023() {
    let template = template();
    assert_eq!(template["Transform"].as_str(), Some("AWS::Serverless-2016-10-31"));
    let function = &template["Resources"]["BooksFunction"];
    assert_eq!(function["Type"].as_str(), Some("AWS::Serverless::Function"));
    let properties = &function["Properties"];
    assert_eq!(properties["Handler"].as_str(), Some("bootstrap"));
    assert_eq!(properties["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(strings(&properties["Architectures"]), ["arm64"]);
    assert_eq!(
        function["Metadata"]["BuildMethod"].as_str(),
        Some("rust-cargolambda")
    );
    // The binary named is this package's.
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"].as_str(),
        Some(env!("CARGO_PKG_NAME"))
    );
    // CodeUri is the workspace root, where cargo lambda finds the package.
    let code = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(properties["CodeUri"].as_str().unwrap());
    assert!(code.join("Cargo.toml").is_file(), "{}", code.display());
}

#[test]
fn the_uploads_bucket_and_the_import_queue_are_wired() {
    let template = template();
    let resources = &template["Resources"];
    let events = &resources["BooksFunction"]["Properties"]["Events"];
    let uploads = &events["Uploads"];
    assert_eq!(uploads["Type"].as_str(), Some("S3"));
    let bucket = uploads["Properties"]["Bucket"]["Ref"].as_str().unwrap();
    assert_eq!(resources[bucket]["Type"].as_str(), Some("AWS::S3::Bucket"));
    assert_eq!(
        strings(&uploads["Properties"]["Events"]),
        ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        "book_uploaded and book_removed"
    );
    let imports = &events["Imports"];
    assert_eq!(imports["Type"].as_str(), Some("SQS"));
    assert_eq!(
        strings(&imports["Properties"]["FunctionResponseTypes"]),
        ["ReportBatchItemFailures"],
        "queued_notification reports failed messages"
    );
    let queue = imports["Properties"]["Queue"]["Fn::GetAtt"][0].as_str().unwrap();
    assert_eq!(resources[queue]["Type"].as_str(), Some("AWS::SQS::Queue"));
    // The import bucket's notifications go to that queue, which S3 may write to.
    let notifications =
        resources["ImportsBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
            .as_vec()
            .unwrap();
    assert!(
        notifications
            .iter()
            .all(|n| n["Queue"]["Fn::GetAtt"][0].as_str() == Some(queue))
    );
    let policy = &resources["ImportQueuePolicy"]["Properties"];
    assert_eq!(policy["Queues"][0]["Ref"].as_str(), Some(queue));
    // Lambda advises a visibility timeout of at least six times the function's timeout.
    let timeout = resources["BooksFunction"]["Properties"]["Timeout"]
        .as_i64()
        .unwrap();
    let visibility = resources[queue]["Properties"]["VisibilityTimeout"]
        .as_i64()
        .unwrap();
    assert!(visibility >= 6 * timeout, "{visibility} < 6 x {timeout}");
}
