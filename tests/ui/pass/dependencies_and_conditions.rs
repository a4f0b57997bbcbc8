use cloud_events_lambda::{Data, Dep, DepArgs, RawEvent, dependency, on_cloudevent, on_event};

struct Config;
struct Client;
struct Notifier(String);

#[dependency(scope = "process")]
async fn client(_config: Dep<Config>) -> Result<Client, std::io::Error> {
    Ok(Client)
}

#[dependency(scope = "transient")]
fn notifier(args: DepArgs, _client: Dep<Client>) -> Notifier {
    Notifier(args.get(0).unwrap_or("log").to_owned())
}

#[derive(serde::Deserialize)]
struct Detail {
    state: String,
}

#[on_event("aws.events", source = "aws.cloudwatch", detail_type = "CloudWatch Alarm State Change", when = r#"detail.state.value == "ALARM""#, rank = 2)]
async fn alarm(_event: RawEvent, detail: Data<Detail>, #[dep("slack")] notifier: Dep<Notifier>) -> String {
    format!("{} {}", detail.state, notifier.0)
}

#[on_cloudevent(type = "com.example.*", subject = "orders/*", when = "exists(data.id)")]
fn orders(_event: RawEvent) {}

fn main() {}
