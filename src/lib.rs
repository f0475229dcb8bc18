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

/// Hands memory freed so far back to the operating system now rather than after mimalloc's
/// purge delay, which only passes on later allocations: after serve's start-up scan (decoded
/// tickets, the catalogue's growing buffers) nothing may allocate for a long while, and the
/// freed memory would stay resident. Harmless where mimalloc is not the global allocator.
pub fn release_freed_memory() {
    // mimalloc's C library is linked through the mimalloc crate, whose bindings leave
    // `mi_collect` out (libmimalloc-sys has it only with a feature that needs another crate).
    unsafe extern "C" {
        fn mi_collect(force: bool);
    }
    // SAFETY: mi_collect takes no pointer and may be called from any thread at any time.
    unsafe { mi_collect(true) }
}
