fn main() -> std::process::ExitCode {
    selfreg::cli::main()
}
