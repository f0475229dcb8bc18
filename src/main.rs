fn main() {
    std::process::exit(rightsdesk::cli::main());
}
