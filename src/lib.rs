//! rightsdesk: the consumer-rights console of a district market-regulation bureau.
//!
//! `domain` is pure (no IO, time as a parameter); `store` is the sled layout; `engine` is the
//! one writer; `import`, `config` and `cli` are edges.

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

/// sled allocates and frees a node copy on most writes; glibc's allocator spent about 40% of a
/// backfill in malloc/free (perf). mimalloc keeps that small. The binaries install it.
pub use mimalloc::MiMalloc as Allocator;
