//! What each kind delivers, from its row of the kinds table: the `EventOf` impl of the type
//! it names (decoded whole with serde), and [`Kind::check_decode`].
//!
//! The decoders are `#[inline]` (here, in `records.rs` and for the other types a kind
//! delivers): they are then compiled in the crate whose handlers take the type, for the kinds
//! it uses, not here for all 53 (this crate's release build went from 44 s to 4 s).
//!
//! A row's `feature` gates its impl: without the feature, the type does not exist (its
//! re-export in `events` is gated the same way) and `check_decode` says which feature it takes.

#[allow(unused_imports)]
use super::*;
use crate::batch::Delivery;
use crate::kinds::{Kind, kinds_table, marker};

macro_rules! delivers {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident = $key:literal {
            title: $title:literal,
            marker: $marker:literal,
            event: $gen:tt $ty:ty,
            $(feature: $feature:literal,)?
            $(decode: $manual:ident,)?
            $(arrays: $arrays:literal,)?
            detect: |$p:ident| $detect:expr $(,)?
        }
    )*) => {
        $( delivers!(@impl [$($feature)?] $variant $gen $ty $(, $manual)?); )*

        impl Kind {
            /// Decodes `event` into the type this kind delivers (type parameters as JSON
            /// values) and discards it: whether a payload fits the kind's typed event.
            ///
            /// ```
            /// use cloud_events_core::{Kind, RawEvent};
            /// assert!(Kind::S3.check_decode(&RawEvent::new(Kind::S3.sample())).is_ok());
            /// let wrong = RawEvent::new(r#"{"Records":[{"eventSource":"aws:s3","s3":{"object":{"size":"big"}}}]}"#);
            /// let error = Kind::S3.check_decode(&wrong).unwrap_err();
            /// assert!(error.message.contains("Records[0].s3.object.size"), "{error}");
            /// ```
            #[inline]
            pub fn check_decode(self, event: &RawEvent) -> Result<(), DecodeError> {
                match self {
                    $(
                        #[cfg(all($(feature = $feature)?))]
                        Kind::$variant => delivers!(@check $variant $gen $ty, event),
                        #[cfg(not(all($(feature = $feature)?)))]
                        Kind::$variant => Err(DecodeError {
                            target: stringify!($ty),
                            message: format!(
                                "its typed event is compiled only with the `{}` feature",
                                self.feature().unwrap_or_default()
                            ),
                            limit: None,
                        }),
                    )*
                }
            }
        }
    };
    (@check $variant:ident $gen:tt $ty:ty, $event:ident) => {{
        delivers!(@aliases $gen);
        match <$ty as EventOf<marker::$variant>>::deliver($event)? {
            Delivery::Whole(_) => Ok(()),
            Delivery::Records(batch) => match batch.records.into_iter().find_map(|r| r.record.err()) {
                None => Ok(()),
                Some(reason) => Err(DecodeError::new::<$ty>(reason)),
            },
        }
    }};
    (@aliases [$($g:ident),*]) => { $(type $g = serde_json::Value;)* };
    // `decode: by_hand`: the kind's `EventOf` impl is written by hand (see `events`).
    (@impl [$($feature:literal)?] $variant:ident $gen:tt $ty:ty, by_hand) => {};
    (@impl [$($feature:literal)?] $variant:ident [$($g:ident),*] $ty:ty) => {
        #[cfg(all($(feature = $feature)?))]
        impl<$($g: serde::de::DeserializeOwned),*> EventOf<marker::$variant> for $ty {
            #[inline]
            fn decode(event: &RawEvent) -> Result<Self, DecodeError> {
                event.decode_json()
            }
        }
    };
}

kinds_table!(delivers);
