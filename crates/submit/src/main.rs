//! submit: the sendmail command line (`/usr/sbin/sendmail`), queueing into
//! clientmqueue. See submit(8) in `man/submit.8`.
#![forbid(unsafe_code)]

mod body;
mod bs;
mod enqueue;
mod flags;
mod privileges;
mod recipients;
mod run;
mod run_as;
mod settings;
mod siblings;
mod transcript;
mod user;
mod verify;
mod version;

fn main() {
    let mut argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let argv0 = argv.next().unwrap_or_else(|| "sendmail".into());
    let prog = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or(argv0);
    match run::run(&prog, argv.collect()) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("{prog}: {err:#}");
            std::process::exit(spool::sysexits::exit_code(err.as_ref()));
        }
    }
}
