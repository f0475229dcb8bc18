//! The allocator the binaries install, and the options they run it with.
//!
//! sled allocates and frees a node copy on most writes; glibc's allocator spent about 40% of a
//! backfill in malloc/free (perf). mimalloc keeps that small, but its defaults keep memory
//! resident that glibc would not (README, "The allocator"). The binaries set the options below
//! as the program is loaded, before Rust's runtime first allocates: that first allocation
//! reserves mimalloc's first arena (1 GiB of address space, where most of a process's memory
//! lives), and an arena's commit option counts only when it is reserved. A user never sets
//! mimalloc's environment variables, but where one is set (to measure) it wins.

use std::ffi::{CStr, c_int, c_long};

pub use mimalloc::MiMalloc as Allocator;

/// One of mimalloc's options: its place in `mi_option_e` (mimalloc.h of the version
/// libmimalloc-sys builds, v3) and the value the binaries give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocatorOption {
    /// The environment variable that sets it when mimalloc starts.
    pub env_var: &'static CStr,
    number: c_int,
    pub value: c_long,
    /// mimalloc's own default, to recognise the option by.
    default: c_long,
}

/// The options the binaries set.
pub const OPTIONS: [AllocatorOption; 2] = [
    // Commit an arena's memory as it is used, not the whole arena when it is reserved
    // (mimalloc's default where the system overcommits, as Linux does).
    AllocatorOption { env_var: c"MIMALLOC_ARENA_EAGER_COMMIT", number: 4, value: 0, default: 2 },
    // Give freed memory back after this many milliseconds (mimalloc: 1,000). At once (0) a
    // backfill took about 17% more CPU; 100 ms costs it little and keeps most of the gain.
    PURGE_DELAY,
];

const PURGE_DELAY: AllocatorOption =
    AllocatorOption { env_var: c"MIMALLOC_PURGE_DELAY", number: 15, value: 100, default: 1_000 };

// mimalloc's C library is linked through the mimalloc crate, whose bindings leave the options
// out (libmimalloc-sys has them only with a feature that needs another crate, and names neither
// option above).
unsafe extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    fn mi_option_get(option: c_int) -> c_long;
}

/// Sets [`OPTIONS`], each unless its environment variable is set. Allocates nothing, so that it
/// can run before anything has: the binaries call it from the process's initialisers
/// ([`tune_at_load`]). Harmless where mimalloc is not the global allocator.
pub fn tune() {
    for option in OPTIONS {
        if !env_is_set(option.env_var) {
            // SAFETY: takes no pointer; mimalloc's options are plain values it reads atomically.
            unsafe { mi_option_set(option.number, option.value) }
        }
    }
}

/// [`tune`] for a binary's `.init_array`, which the loader runs before Rust's runtime starts:
/// `#[used] #[unsafe(link_section = ".init_array")] static TUNE: extern "C" fn() = tune_at_load;`
pub extern "C" fn tune_at_load() {
    tune()
}

/// Whether the environment has `name`, read without allocating (`std::env` returns an owned
/// string).
fn env_is_set(name: &CStr) -> bool {
    // SAFETY: a NUL-terminated name; nothing sets the environment while the loader runs the
    // initialisers, and later callers only read it.
    !unsafe { libc::getenv(name.as_ptr()) }.is_null()
}

/// From now on freed memory goes back to the system at once (unless `MIMALLOC_PURGE_DELAY` is
/// set): for serve, which runs for months, mostly idle, so what its start-up scan freed would
/// wait for later allocations to pass the delay, and whose writes are a clerk's at a time. The
/// delay is read on every purge, so it may change while the program runs.
pub fn return_freed_memory_at_once() {
    if !env_is_set(PURGE_DELAY.env_var) {
        // SAFETY: as in `tune`.
        unsafe { mi_option_set(PURGE_DELAY.number, 0) }
    }
}

/// The value mimalloc runs with for `option` now.
pub fn current(option: &AllocatorOption) -> c_long {
    // SAFETY: takes no pointer; any thread, any time.
    unsafe { mi_option_get(option.number) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_option_is_the_one_mimalloc_numbers_so_and_is_set_unless_the_environment_sets_it() {
        // Read before tuning: mimalloc's own defaults identify the places in `mi_option_e`.
        for option in OPTIONS {
            if !env_is_set(option.env_var) {
                assert_eq!(
                    current(&option),
                    option.default,
                    "{:?} is not at place {}",
                    option.env_var,
                    option.number
                );
            }
        }
        tune();
        for option in OPTIONS {
            if !env_is_set(option.env_var) {
                assert_eq!(current(&option), option.value, "{:?}", option.env_var);
            }
        }
        return_freed_memory_at_once();
        if !env_is_set(PURGE_DELAY.env_var) {
            assert_eq!(current(&PURGE_DELAY), 0, "serve's purge delay");
        }
    }
}
