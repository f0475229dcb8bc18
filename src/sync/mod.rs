//! Channel sync: adapter profiles and the mapping of channel payloads to tickets. The HTTP
//! workers that use them come with the rest of issue 3.

pub mod http;
pub mod mapping;
pub use crate::domain::channel_profile as profile;
pub mod worker;
