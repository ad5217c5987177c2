fn main() -> std::process::ExitCode {
    ruralserve::cli::main()
}
