//! The `hallway` binary: parse arguments, run the chosen command.
//!
//! Its allocator is mimalloc: every request allocates (headers, the session's cookie, the
//! join URL) on every worker thread at once, and mimalloc's per-thread free lists serve that
//! with fewer instructions than glibc's malloc (benches/join.sh, docs/PERFORMANCE.md). Built
//! with `no_thp`: mimalloc otherwise asks for transparent huge pages, which nearly doubles
//! the resident memory of an idle server (27 → 48 MB).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hallway::cli::main()
}
