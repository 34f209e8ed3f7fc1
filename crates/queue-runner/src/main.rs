//! queue-runner: runs the mail queue, as `sendmail -q`.
//!
//! See queue-runner(8) in `man/queue-runner.8`.
#![forbid(unsafe_code)]

fn main() {
    let args = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    match queue_runner::run::run(args) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("queue-runner: {err:#}");
            std::process::exit(spool::sysexits::exit_code(err.as_ref()));
        }
    }
}
