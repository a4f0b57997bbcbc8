use cloud_events_lambda::dependency;

struct Client;

#[dependency(scope = "request")]
fn client() -> Client {
    Client
}

fn main() {}
