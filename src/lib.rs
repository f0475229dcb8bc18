//! rightsdesk: the consumer-rights console of a district market-regulation bureau.
//!
//! `domain` is pure (no IO, time as a parameter); `store` is the sled layout; `engine` is the
//! one writer; `import`, `config` and `cli` are edges.

pub mod allocator;
pub mod arena;
pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod generate;
pub mod import;
pub mod private;
pub mod remote;
pub mod search;
pub mod sim;
pub mod stats;
pub mod store;
pub mod sync;
pub mod time;
pub mod tui;
pub mod units_api;

pub use allocator::Allocator;
