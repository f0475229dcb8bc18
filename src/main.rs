#[global_allocator]
static ALLOCATOR: rightsdesk::Allocator = rightsdesk::Allocator;

/// mimalloc's options, set as the program is loaded: Rust's runtime allocates before `main`,
/// and that first allocation reserves the arena whose options count (`rightsdesk::allocator`).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static TUNE_ALLOCATOR: extern "C" fn() = rightsdesk::allocator::tune_at_load;

fn main() {
    std::process::exit(rightsdesk::cli::main());
}
