#[global_allocator]
static ALLOCATOR: rightsdesk::Allocator = rightsdesk::Allocator;

fn main() {
    std::process::exit(rightsdesk::cli::main());
}
