//! Resolving the command line and the configuration into what to do (STYLE.md habit 2).
//!
//! Checks happen here, with sendmail's messages and exit codes: `-B`, `-N`, `-R`, `-b`
//! and `-q` values are validated; `-h` with a bad number and a malformed `-f` are
//! reported but, as in sendmail, the message is still queued and the exit code is 64.

use crate::flags::Flags;
use crate::user::Caller;
use anyhow::Result;
use spool::config::Config;
use spool::sysexits::Exit;
use std::path::PathBuf;

/// What the invocation does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `-bm` (default): read a message and queue it.
    Deliver,
    /// `-bs`: SMTP on stdin/stdout.
    Smtp,
    /// `-bp`: list the queue (runs mailq).
    Print,
    /// `-bi`: rebuild the aliases database (runs newaliases).
    InitAliases,
    /// `-bv`: verify addresses.
    Verify,
    /// `-bt`: address test mode (not provided; says so).
    Test,
    /// `-bd` / `-bD`: run the SMTP daemon (runs smtpd).
    Daemon,
    /// `-q...`: run the queue (runs queue-runner).
    QueueRun,
    /// `-bh` / `-bH` / `-bP`: host status and queue statistics (not provided; says so).
    Unsupported(String),
}

/// `-N`: DSN notifications.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notify {
    /// `never`.
    pub never: bool,
    /// `success`.
    pub success: bool,
    /// `failure`.
    pub failure: bool,
    /// `delay`.
    pub delay: bool,
}

/// Everything the run needs, validated.
#[derive(Debug)]
pub struct Settings {
    /// The mode.
    pub mode: Mode,
    /// The configuration with every `-O`/`-o` applied, resolved into typed values.
    pub resolved: spool::settings::Settings,
    /// The queue to write to (client queue; `-Am` for the MTA queue).
    pub queue_dir: PathBuf,
    /// Whether the queue is the client (submission) queue (`-Ac`, the default).
    pub client_queue: bool,
    /// Whether the caller named the queue directory (`-O QueueDirectory=`, `-oQ`).
    pub moved_queue: bool,
    /// Whether the caller moved the queue or the config (`-C`, `-O QueueDirectory`).
    pub caller_chose_paths: bool,
    /// The `-C` file, if given.
    pub config_file: Option<PathBuf>,
    /// `-f`/`-r`: envelope sender as typed.
    pub sender: Option<String>,
    /// `-F`: full name.
    pub full_name: Option<String>,
    /// `-t`: also take recipients from To/Cc/Bcc.
    pub read_recipients: bool,
    /// `-i`/`-oi`: a lone `.` does not end the message.
    pub ignore_dots: bool,
    /// `-B`: `7BIT` or `8BITMIME`.
    pub body_type: Option<String>,
    /// `-N`.
    pub notify: Option<Notify>,
    /// `-R hdrs` (true) or `-R full` (false).
    pub ret_hdrs: Option<bool>,
    /// `-V`: DSN envelope ID.
    pub envid: Option<String>,
    /// `-p proto:host` / `-Mr` `-Ms`: `$r` and `$s`.
    pub protocol: (Option<String>, Option<String>),
    /// `-v`.
    pub verbose: bool,
    /// `-X file`: transcript of the traffic.
    pub transcript: Option<PathBuf>,
    /// `-L tag`: the syslog ident.
    pub log_tag: String,
    /// `-od` / `DeliveryMode`: `i`, `b`, `q`, `d`.
    pub delivery_mode: char,
    /// `-d` lists asking for version information (`0.1`, `0.11` ...).
    pub show_version: bool,
    /// Recipients (or addresses for `-bv`).
    pub recipients: Vec<String>,
    /// Messages already reported that make the exit code 64 although the run goes on.
    pub soft_errors: Vec<String>,
    /// The invoking user.
    pub caller: Caller,
}

impl Settings {
    /// The options of the program that writes [`Settings::queue_dir`]: the MSP's for the
    /// client queue, the loaded file's for `-Am`.
    pub fn queue_writer(&self) -> &spool::settings::QueueWriter {
        if self.client_queue {
            &self.resolved.queue.client_writer
        } else {
            &self.resolved.queue.writer
        }
    }
}

/// Resolves `flags` for a run by `caller`.
pub fn resolve(flags: Flags, caller: Caller) -> Result<Settings> {
    let config_file = flags.last('C').map(PathBuf::from);
    let mut config = match &config_file {
        Some(file) => Config::load(file)?,
        None => Config::load_default()?,
    };
    let mut moved_queue = false;
    for assignment in flags.all('O') {
        moved_queue |= names_option(assignment, "QueueDirectory");
        config.set_option(assignment)?;
    }
    for short in flags.all('o') {
        moved_queue |= short.starts_with('Q');
        config.set_short_option(short)?;
    }
    let client = flags.last('A') != Some("m");
    if let Some(a) = flags.last('A') {
        if a != "c" && a != "m" {
            return Err(Exit::usage(format!("Invalid operation mode {a}")).into());
        }
    }
    let queue_dir = if client && !moved_queue {
        config.client_queue_directory()
    } else {
        config.queue_directory()
    };
    let mut soft_errors = Vec::new();
    if let Some(h) = flags.last('h') {
        if h.parse::<u32>().is_err() {
            soft_errors.push(format!("Bad hop count ({h})"));
        }
    }
    // Every value that can reach a queue file or a log line.
    for letter in ['f', 'r', 'V', 'p', 'M', 'L', 'Q'] {
        for value in flags.all(letter) {
            check_line(letter, Some(value))?;
        }
    }
    for rcpt in &flags.operands {
        check_line(' ', Some(rcpt))?;
    }
    let resolved = spool::settings::Settings::from_config(&config);
    let delivery_mode = delivery_mode(&flags, &resolved);
    let (mode, recipients) = (mode(&flags)?, flags.operands.clone());
    let protocol = protocol(&flags);
    Ok(Settings {
        mode,
        queue_dir,
        client_queue: client,
        moved_queue,
        caller_chose_paths: config_file.is_some() || moved_queue,
        config_file,
        sender: flags.last('f').or(flags.last('r')).map(str::to_string),
        // sendmail's denlstring: line breaks in a full name become blanks.
        full_name: flags.last('F').map(|f| f.replace(['\r', '\n'], " ").replace('\0', "")),
        read_recipients: flags.has('t'),
        ignore_dots: flags.has('i')
            || flags.all('o').any(|o| o == "i")
            || resolved.delivery.ignore_dots,
        body_type: body_type(flags.last('B'))?,
        notify: flags.last('N').map(notify).transpose()?,
        ret_hdrs: flags.last('R').map(ret).transpose()?,
        envid: flags.last('V').map(str::to_string),
        protocol,
        verbose: flags.has('v'),
        transcript: flags.last('X').map(PathBuf::from),
        log_tag: flags.last('L').unwrap_or("sendmail").to_string(),
        delivery_mode,
        show_version: flags.all('d').any(|d| d.starts_with("0.")),
        recipients,
        soft_errors,
        caller,
        resolved,
    })
}

/// Refuses a value that would break a queue file line: CR, LF or NUL.
fn check_line(option: char, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) if v.contains(['\r', '\n', '\0']) => {
            let what =
                if option == ' ' { "recipient".to_string() } else { format!("-{option} value") };
            Err(Exit::usage(format!("{what} {v:?} holds a line break or NUL")).into())
        }
        _ => Ok(()),
    }
}

/// Whether `assignment` sets option `name` (`Name=value` or `Name value`).
fn names_option(assignment: &str, name: &str) -> bool {
    let key = assignment.split(['=', ' ']).next().unwrap_or("");
    key.trim().eq_ignore_ascii_case(name)
}

fn mode(flags: &Flags) -> Result<Mode> {
    let b = flags.last('b');
    let mode = match b {
        None | Some("m") => Mode::Deliver,
        Some("s") => Mode::Smtp,
        Some("p") => Mode::Print,
        Some("i") => Mode::InitAliases,
        Some("v") => Mode::Verify,
        Some("t") => Mode::Test,
        Some("d") | Some("D") => Mode::Daemon,
        Some(m @ ("h" | "H" | "P")) => Mode::Unsupported(format!("-b{m}")),
        Some("z") => return Err(Exit::usage("Frozen configurations unsupported").into()),
        Some(other) => return Err(Exit::usage(format!("Invalid operation mode {other}")).into()),
    };
    for q in flags.all('q') {
        check_queue_flag(q)?;
    }
    if mode == Mode::Deliver && flags.has('q') {
        return Ok(Mode::QueueRun);
    }
    Ok(mode)
}

/// `-q[time]`, `-q[!]I|R|S|Q<substr>`, `-qf`, `-qp[time]`, `-qG<group>`, `-qL`.
fn check_queue_flag(value: &str) -> Result<()> {
    let rest = value.strip_prefix('!').unwrap_or(value);
    if rest.is_empty()
        || matches!(rest.as_bytes()[0], b'I' | b'R' | b'S' | b'Q' | b'L' | b'f' | b'G')
    {
        return Ok(());
    }
    let time = rest.strip_prefix('p').unwrap_or(rest);
    let units = time.trim_start_matches(|c: char| c.is_ascii_digit());
    match units.chars().find(|c| !"smhdw0123456789".contains(*c)) {
        Some(bad) => Err(Exit::usage(format!("Invalid time unit `{bad}'")).into()),
        None => Ok(()),
    }
}

/// `-od<mode>` as given, else interactive with `-v` (sendmail's `clearenvelope()`: a
/// verbose run delivers in the foreground, so that `sendmail -v user` shows the
/// dialogue), else the configuration's `DeliveryMode`.
fn delivery_mode(flags: &Flags, resolved: &spool::settings::Settings) -> char {
    let from_flags =
        flags.all('o').filter_map(|o| o.strip_prefix('d')).last().and_then(|m| m.chars().next());
    let verbose = flags.has('v').then_some('i');
    from_flags.or(verbose).unwrap_or(resolved.delivery.mode.letter())
}

fn protocol(flags: &Flags) -> (Option<String>, Option<String>) {
    let mut r = None;
    let mut s = None;
    if let Some(p) = flags.last('p') {
        let (proto, host) = p.split_once(':').map(|(a, b)| (a, Some(b))).unwrap_or((p, None));
        r = Some(proto.to_string());
        s = host.map(str::to_string);
    }
    for m in flags.all('M') {
        match m.split_at_checked(1) {
            Some(("r", v)) => r = Some(v.to_string()),
            Some(("s", v)) => s = Some(v.to_string()),
            _ => {}
        }
    }
    (r, s)
}

fn body_type(value: Option<&str>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("7BIT") || v.eq_ignore_ascii_case("8BITMIME") => {
            Ok(Some(v.to_ascii_uppercase()))
        }
        Some(v) => Err(Exit::usage(format!("Illegal body type {v}")).into()),
    }
}

fn notify(value: &str) -> Result<Notify> {
    let mut n = Notify::default();
    for word in value.split(',') {
        match word.trim().to_ascii_lowercase().as_str() {
            "never" => n.never = true,
            "success" => n.success = true,
            "failure" => n.failure = true,
            "delay" => n.delay = true,
            _ => return Err(Exit::usage("Invalid -N argument").into()),
        }
    }
    if n.never && (n.success || n.failure || n.delay) {
        return Err(Exit::usage("Invalid -N argument").into());
    }
    Ok(n)
}

fn ret(value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "hdrs" => Ok(true),
        "full" => Ok(false),
        _ => Err(Exit::usage("Invalid -R value").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_and_ret_values() {
        assert_eq!(
            notify("success,failure").unwrap(),
            Notify { success: true, failure: true, ..Notify::default() }
        );
        assert!(notify("never,success").is_err());
        assert_eq!(notify("bogus").unwrap_err().to_string(), "Invalid -N argument");
        assert!(ret("HDRS").unwrap());
        assert_eq!(ret("x").unwrap_err().to_string(), "Invalid -R value");
        assert_eq!(body_type(Some("foo")).unwrap_err().to_string(), "Illegal body type foo");
    }

    #[test]
    fn verbose_means_interactive_unless_od_says_otherwise() {
        let resolved = spool::settings::Settings::from_config(&spool::config::Config::defaults());
        let mode = |args: &[&str]| {
            let flags = crate::flags::parse(args.iter().map(|a| a.to_string()).collect()).unwrap();
            delivery_mode(&flags, &resolved)
        };
        assert_eq!(mode(&["root"]), 'b', "sendmail's default: background");
        assert_eq!(mode(&["-v", "root"]), 'i', "sendmail -v root shows the dialogue");
        assert_eq!(mode(&["-v", "-odq", "root"]), 'q');
        assert_eq!(mode(&["-odb", "-v", "root"]), 'b');
    }

    #[test]
    fn queue_flags_and_times() {
        assert!(check_queue_flag("30m").is_ok());
        assert!(check_queue_flag("!Rbob").is_ok());
        assert!(check_queue_flag("p1h").is_ok());
        assert_eq!(check_queue_flag("Z").unwrap_err().to_string(), "Invalid time unit `Z'");
    }
}
