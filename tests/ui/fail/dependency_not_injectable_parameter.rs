use cloud_events_lambda::dependency;

struct Client;

#[dependency]
fn client(_retries: u8) -> Client {
    Client
}

fn main() {}
