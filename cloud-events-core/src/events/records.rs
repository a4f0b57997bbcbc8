//! Record types: a handler that takes one is called once per record of the batch.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::batch::{Delivery, Identity, shapes, split};
#[allow(unused_imports)]
use crate::kinds::marker;

macro_rules! records_of {
    ($($feature:literal $marker:ident => $record:ty, $shape:ident, $identity:expr;)*) => {
        $(#[cfg(feature = $feature)]
        impl EventOf<marker::$marker> for $record {
            const PER_RECORD: bool = true;

            #[inline]
            fn decode(_event: &RawEvent) -> Result<Self, DecodeError> {
                Err(DecodeError::new::<Self>("this is one record of a batch: handlers taking it are called per record"))
            }

            #[inline]
            fn deliver(event: &RawEvent) -> Result<Delivery<Self>, DecodeError> {
                split(event, shapes::$shape, $identity)
            }
        })*
    };
}

// The rows, with how a decoded record names itself in the batch answer: see
// `delivered.rs`.
crate::delivered::records_table!(records_of);

/// `topic-partition@offset`.
#[cfg(feature = "kafka")]
fn kafka_identity(record: &KafkaRecord) -> Identity {
    let id = record
        .topic
        .as_ref()
        .map(|topic| format!("{topic}-{}@{}", record.partition, record.offset));
    (id, false)
}
