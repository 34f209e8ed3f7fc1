//! What queue-runner's integration tests share: a lab in a temporary directory (the
//! oracle's configuration, procmail as local mailer, aliases, queues, mailboxes) and
//! a scripted remote end standing in for the sink of the reference lab.
#![allow(dead_code)]

use queue_runner::route::Destination;
use queue_runner::transport::{
    self, Delivery, Message, Pending, Rcpt, RcptResult, Reply, Transport,
};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A message the sink accepted: the sender, the recipients, the data.
pub type Accepted = (String, Vec<String>, Vec<u8>);

/// The local part rules of the reference lab's sink (tests/oracle/bin/sink.py):
/// `reject*` is refused with 550, `tempfail*` with 451, anyone else accepted.
#[derive(Debug, Default)]
pub struct Sink {
    /// Every message accepted: sender, recipients, data.
    pub accepted: Mutex<Vec<Accepted>>,
}

impl Sink {
    fn reply(rcpt: &Rcpt) -> Reply {
        let local = rcpt.address.split('@').next().unwrap_or_default().to_ascii_lowercase();
        let addr = format!("<{}>", rcpt.address);
        if local.starts_with("reject") {
            reply(550, "5.1.1", &format!("{addr}... User unknown (sink)"))
        } else if local.starts_with("tempfail") {
            reply(451, "4.2.0", &format!("{addr}... mailbox busy, try later (sink)"))
        } else {
            reply(250, "2.1.5", "Ok")
        }
    }
}

fn reply(code: u16, enhanced: &str, text: &str) -> Reply {
    Reply { code, enhanced: Some(enhanced.into()), text: format!("{code} {enhanced} {text}") }
}

impl Transport for Sink {
    fn deliver<'a>(
        &'a self,
        dest: &'a Destination,
        message: &'a Message<'a>,
        rcpts: &'a [Rcpt],
    ) -> Pending<'a> {
        let relay = format!("[{}] [{}]", dest.host, dest.host);
        let mta = format!("[{}]", dest.host);
        let replies: Vec<Reply> = rcpts.iter().map(Sink::reply).collect();
        let mut transcript = format!("... while talking to {mta}:\n>>> DATA\n");
        let valid = replies.iter().filter(|r| r.code == 250).count();
        let mut results = Vec::new();
        for (rcpt, r) in rcpts.iter().zip(&replies) {
            let result = RcptResult::Replied {
                reply: r.clone(),
                relay: relay.clone(),
                remote_mta: mta.clone(),
            };
            if r.code != 250 {
                transcript.push_str(&format!("<<< {}\n", r.text));
                transcript.push_str(&format!(
                    "{}\n",
                    transport::transcript_line(&rcpt.paddr, &result).unwrap()
                ));
            }
            results.push(result);
        }
        if valid == 0 {
            transcript.push_str("<<< 503 5.5.1 No valid recipients\n");
        } else {
            let mut accepted = self.accepted.lock().unwrap();
            let id = format!("SINK{:04}", accepted.len() + 1);
            let to = rcpts
                .iter()
                .zip(&replies)
                .filter(|(_, r)| r.code == 250)
                .map(|(r, _)| r.address.clone());
            accepted.push((message.sender.to_string(), to.collect(), message.data.to_vec()));
            let done = reply(250, "2.0.0", &format!("Ok: queued as {id}"));
            for (result, r) in results.iter_mut().zip(&replies) {
                if r.code == 250 {
                    *result = RcptResult::Replied {
                        reply: done.clone(),
                        relay: relay.clone(),
                        remote_mta: mta.clone(),
                    };
                }
            }
        }
        Box::pin(async move { Delivery { results, transcript, dialogue: String::new() } })
    }
}

/// A lab: the oracle's sendmail.mc with every path in a temporary directory.
pub struct Lab {
    /// The temporary directory.
    pub dir: tempfile::TempDir,
    /// `sendmail.mc`.
    pub mc: PathBuf,
}

impl Lab {
    /// The oracle's configuration (procmail as the local mailer, SMART_HOST
    /// relay:[127.0.0.1], the lab's aliases plus scenario 20's `deferlist`), with
    /// `extra` .mc lines.
    pub fn new(extra: &str) -> Lab {
        Lab::with_local(
            "OSTYPE(`linux')dnl
define(`LOCAL_MAILER_PATH', `/usr/bin/procmail')dnl
define(`LOCAL_MAILER_ARGS', `procmail -Y -f $g -m SMLAB_USER=$u @LAB@/etc/procmailrc')dnl
MODIFY_MAILER_FLAGS(`LOCAL', `+S')dnl
MODIFY_MAILER_FLAGS(`LOCAL', `-r')dnl
MODIFY_MAILER_FLAGS(`LOCAL', `-m')dnl
",
            extra,
        )
    }

    /// The same lab with ferrymail's own mailbox delivery into `<lab>/mail`.
    pub fn builtin(extra: &str) -> Lab {
        Lab::with_local("define(`confMAILBOX_DIR', `@LAB@/mail')dnl\n", extra)
    }

    /// A lab whose local mailer is defined by `local` (`@LAB@` is the lab's path).
    pub fn with_local(local: &str, extra: &str) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = dir.path().to_path_buf();
        for sub in ["mqueue", "clientmqueue", "mail", "forward", "etc", "log"] {
            std::fs::create_dir(root.join(sub)).unwrap();
        }
        std::fs::set_permissions(root.join("mail"), std::fs::Permissions::from_mode(0o1777))
            .unwrap();
        let conf = testkit::paths::oracle_conf();
        let subst = |name: &str| {
            std::fs::read_to_string(conf.join(name))
                .unwrap()
                .replace("@SMLAB@", &root.display().to_string())
        };
        let aliases = format!("{}deferlist: root, tempfail2@sink.example\n", subst("aliases"));
        std::fs::write(root.join("etc/aliases"), aliases).unwrap();
        std::fs::write(root.join("etc/procmailrc"), subst("procmailrc")).unwrap();
        std::fs::write(root.join("etc/local-host-names"), subst("local-host-names")).unwrap();
        std::fs::write(root.join("etc/list.inc"), subst("list.inc")).unwrap();
        let local = local.replace("@LAB@", &root.display().to_string());
        let extra = extra.replace("@LAB@", &root.display().to_string());
        let mc = format!(
            "{local}define(`confDOMAIN_NAME', `mail.lab.example')dnl
define(`ALIAS_FILE', `{r}/etc/aliases')dnl
define(`QUEUE_DIR', `{r}/mqueue')dnl
define(`MSP_QUEUE_DIR', `{r}/clientmqueue')dnl
define(`confCW_FILE', `-o {r}/etc/local-host-names')dnl
define(`confFORWARD_PATH', `{r}/forward/$u')dnl
define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl
define(`confDEF_USER_ID', `mail:mail')dnl
define(`confLOG_FILE', `{r}/maillog')dnl
define(`SMART_HOST', `relay:[127.0.0.1]')dnl
{extra}",
            r = root.display()
        );
        let path = root.join("sendmail.mc");
        std::fs::write(&path, mc).unwrap();
        Lab { dir, mc: path }
    }

    /// A path in the lab.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Copies the files of a reference scenario's queue into the lab's mqueue, 0600.
    pub fn load_reference(&self, folder: &str) {
        let from = testkit::paths::reference().join("queue").join(folder);
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            let to = self.path("mqueue").join(entry.file_name());
            std::fs::copy(entry.path(), &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    /// Settings for `args` (plus `-C` this lab), with the built queue-runner as agent.
    pub fn settings(&self, args: &[&str]) -> queue_runner::settings::Settings {
        let mut words: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        words.extend(["-C".to_string(), self.mc.display().to_string()]);
        let mut s =
            queue_runner::settings::resolve(queue_runner::flags::parse(words).unwrap()).unwrap();
        s.agent = PathBuf::from(env!("CARGO_BIN_EXE_queue-runner"));
        s
    }

    /// One queue run with `transport`, as the command would make it.
    pub fn run(&self, args: &[&str], transport: Arc<dyn Transport>) -> i32 {
        let settings = self.settings(args);
        let log =
            spool::log::Syslog::from_option("sendmail", settings.log_file.as_deref()).unwrap();
        let runner = Arc::new(queue_runner::run::runner(settings, transport, log));
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        rt.block_on(queue_runner::run::once(&runner)).unwrap()
    }

    /// Runs the queue-runner binary with `args` and `-C` this lab.
    pub fn queue_runner(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_queue-runner"))
            .args(args)
            .arg("-C")
            .arg(&self.mc)
            .env("TZ", "UTC")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }

    /// Starts the queue-runner binary with `args` and `-C` this lab, its output
    /// discarded.
    pub fn spawn_queue_runner(&self, args: &[&str]) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_queue-runner"))
            .args(args)
            .arg("-C")
            .arg(&self.mc)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs the submit binary built beside queue-runner (`cargo test --workspace`
    /// builds it) with `-C` this lab, `args` and `input` on stdin; `None` when it is
    /// not built.
    pub fn submit(&self, args: &[&str], input: &[u8]) -> Option<std::process::Output> {
        use std::io::Write;
        let path = Path::new(env!("CARGO_BIN_EXE_queue-runner")).with_file_name("submit");
        if !path.exists() {
            return None;
        }
        let mut child = std::process::Command::new(path)
            .arg("-C")
            .arg(&self.mc)
            .args(args)
            .env("TZ", "UTC")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        Some(child.wait_with_output().unwrap())
    }

    /// The files of a queue directory, sorted.
    pub fn files(&self, queue: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(queue))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The log lines written so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("maillog")).unwrap_or_default()
    }

    /// A file's text (lossy).
    pub fn text(&self, rel: &str) -> String {
        String::from_utf8_lossy(&std::fs::read(self.path(rel)).unwrap_or_default()).into_owned()
    }
}

/// A reference file's text (lossy).
pub fn reference(rel: &str) -> String {
    String::from_utf8_lossy(
        &std::fs::read(testkit::paths::reference().join("queue").join(rel)).unwrap(),
    )
    .into_owned()
}

/// Whether procmail is installed (scripts/test installs it).
pub fn have_procmail() -> bool {
    Path::new("/usr/bin/procmail").exists()
}

/// Replaces every date in sendmail's formats (`Tue, 24 Nov 2026 23:33:00 GMT`,
/// `Tue Nov 24 23:33:00 2026`) by `<date>`, and the digits of `<YYYYMMDDhhmm.ID@` and
/// `ID.<seconds>/` next to the IDs given by `<stamp>` and `<time>`.
pub fn undate(text: &str, ids: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(n) = arpadate_len(rest).or_else(|| ctime_len(rest)) {
            out.push_str("<date>");
            rest = &rest[n..];
            continue;
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    for id in ids {
        out = out.replace(*id, "<id>");
    }
    stamp_digits(&out)
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn digits(s: &str, n: usize) -> bool {
    s.len() >= n && s.as_bytes()[..n].iter().all(u8::is_ascii_digit)
}

fn time_at(s: &str) -> bool {
    s.len() >= 8
        && digits(s, 2)
        && &s[2..3] == ":"
        && digits(&s[3..], 2)
        && &s[5..6] == ":"
        && digits(&s[6..], 2)
}

/// `Tue, 4 Nov 2026 23:33:00 GMT` (or `+hhmm (ZZZ)`) at the start of `s`.
fn arpadate_len(s: &str) -> Option<usize> {
    let day = DAYS.iter().find(|d| s.starts_with(&format!("{d}, ")))?;
    let mut at = day.len() + 2;
    let dd = if digits(&s[at..], 2) {
        2
    } else if digits(&s[at..], 1) {
        1
    } else {
        return None;
    };
    at += dd + 1;
    MONTHS.iter().find(|m| s[at..].starts_with(&format!("{m} ")))?;
    at += 4;
    if !digits(&s[at..], 4) {
        return None;
    }
    at += 5;
    if !time_at(&s[at..]) {
        return None;
    }
    at += 9;
    if s[at..].starts_with("GMT") {
        return Some(at + 3);
    }
    if !(s[at..].starts_with(['+', '-']) && digits(&s[at + 1..], 4)) {
        return None;
    }
    at += 5;
    match s[at..].strip_prefix(" (").and_then(|z| z.find(')').filter(|n| *n <= 6)) {
        Some(n) => Some(at + 2 + n + 1),
        None => Some(at),
    }
}

/// `Tue Nov 24 23:33:00 2026` (day space-padded) at the start of `s`.
fn ctime_len(s: &str) -> Option<usize> {
    DAYS.iter().find(|d| s.starts_with(&format!("{d} ")))?;
    MONTHS.iter().find(|m| s[4..].starts_with(&format!("{m} ")))?;
    let day = &s.get(8..10)?;
    if !day.trim_start().bytes().all(|b| b.is_ascii_digit())
        || !time_at(s.get(11..)?)
        || !digits(s.get(20..)?, 4)
    {
        return None;
    }
    Some(24)
}

fn stamp_digits(text: &str) -> String {
    text.split("<id>")
        .enumerate()
        .map(|(i, part)| {
            let mut part = part.to_string();
            if i > 0 && part.starts_with('.') && digits(&part[1..], 10) {
                part.replace_range(1..11, "<time>");
            }
            if part.len() >= 13 && part.ends_with('.') && digits(&part[part.len() - 13..], 12) {
                let at = part.len() - 13;
                part.replace_range(at..at + 12, "<stamp>");
            }
            part
        })
        .collect::<Vec<_>>()
        .join("<id>")
}
