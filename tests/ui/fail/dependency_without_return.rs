use cloud_events_lambda::dependency;

#[dependency]
fn client() {}

fn main() {}
