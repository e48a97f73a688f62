//! The `hallway` binary: parse arguments, run the chosen command.

fn main() -> std::process::ExitCode {
    hallway::cli::main()
}
