//! The queue's settings: where, who writes it, how it is run and for how long mail
//! stays in it.
//!
//! ```text
//! QueueSettings  QueueDirectory, the MSP queue, RecipientFactor, ClassFactor,
//!                RetryFactor, MinQueueAge, MaxQueueAge, MaxQueueRunSize,
//!                QueueSortOrder (queue::scan::SortOrder), Timeout.queuereturn,
//!                Timeout.queuewarn, MaxQueueChildren, MaxHostDeliveries,
//!                QUEUE_GROUP(...)
//! QueueWriter    RunAsUser, UseMSP, QueueFileMode of the program writing a queue:
//!                the loaded file's for mqueue, the MSP's for clientmqueue
//! DeliveryMode   DeliveryMode: interactive, background, queue, deferred
//! ```
//!
//! A `QUEUE_GROUP(`name', `P=path, F=f, R=2, r=5, I=10m, N=3, J=100')` is one
//! [`QueueGroup`]; unknown equates are ignored, as sendmail warns and goes on.

use crate::config::{parse_bool, Config, MacroCall};
use crate::queue::scan::SortOrder;
use std::path::PathBuf;
use std::time::Duration;

/// `DeliveryMode`: what a submission does after queueing (the first letter counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliveryMode {
    /// `i`: deliver before returning.
    Interactive,
    /// `b`: deliver in the background (sendmail's default).
    #[default]
    Background,
    /// `q`: only queue; the queue runner delivers.
    Queue,
    /// `d`: queue without even looking names up.
    Deferred,
}

impl DeliveryMode {
    /// The mode a value names by its first letter; `None` for another letter.
    pub fn parse(value: &str) -> Option<DeliveryMode> {
        match value.trim().chars().next()?.to_ascii_lowercase() {
            'i' => Some(DeliveryMode::Interactive),
            'b' => Some(DeliveryMode::Background),
            'q' => Some(DeliveryMode::Queue),
            'd' => Some(DeliveryMode::Deferred),
            _ => None,
        }
    }

    /// The mode's letter, as `-od` takes it.
    pub fn letter(self) -> char {
        match self {
            DeliveryMode::Interactive => 'i',
            DeliveryMode::Background => 'b',
            DeliveryMode::Queue => 'q',
            DeliveryMode::Deferred => 'd',
        }
    }
}

/// One `QUEUE_GROUP`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueGroup {
    /// Its name.
    pub name: String,
    /// `P=`: its directory (or directories, with a trailing `*`); `None`: the default.
    pub path: Option<PathBuf>,
    /// `F=`: flag letters (`f`: fork each job).
    pub flags: String,
    /// `R=`: queue runners at once.
    pub runners: Option<u32>,
    /// `r=`: recipients per envelope.
    pub recipients: Option<u32>,
    /// `I=`: queue-run interval.
    pub interval: Option<Duration>,
    /// `N=`: nice increment.
    pub nice: Option<i32>,
    /// `J=`: jobs per run.
    pub jobs: Option<u32>,
}

impl QueueGroup {
    /// Parses `QUEUE_GROUP(name, equates)`.
    pub fn parse(call: &MacroCall) -> Option<QueueGroup> {
        let name = call.args.first()?.trim();
        if name.is_empty() {
            return None;
        }
        let mut g = QueueGroup { name: name.to_string(), ..QueueGroup::default() };
        let equates = call.args.get(1).map(String::as_str).unwrap_or("");
        for item in equates.split(',') {
            let Some((key, value)) = item.split_once('=') else { continue };
            let value = value.trim();
            match key.trim() {
                "P" | "Path" => g.path = Some(PathBuf::from(value)),
                "F" | "Flags" => g.flags = value.to_string(),
                "R" | "Runners" => g.runners = value.parse().ok(),
                "r" | "recipients" => g.recipients = value.parse().ok(),
                "I" | "Interval" => g.interval = crate::config::parse_duration(value, 'm'),
                "N" | "Nice" => g.nice = value.parse().ok(),
                "J" | "Jobs" => g.jobs = value.parse().ok(),
                _ => {}
            }
        }
        Some(g)
    }
}

/// Who writes a queue and how: the options of the program that writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueWriter {
    /// `RunAsUser` (`user[:group]`), if set.
    pub run_as: Option<String>,
    /// `UseMSP`.
    pub use_msp: bool,
    /// `QueueFileMode`, only when the configuration sets it.
    pub file_mode: Option<u32>,
}

/// How the queue is laid out and run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    /// `QueueDirectory`.
    pub dir: PathBuf,
    /// The MSP queue (clientmqueue); see [`Config::client_queue_directory`].
    pub client_dir: PathBuf,
    /// `QueueFileMode` of the loaded file (default 0600).
    pub file_mode: u32,
    /// The writer of [`QueueSettings::dir`].
    pub writer: QueueWriter,
    /// The writer of [`QueueSettings::client_dir`]: the MSP's options.
    pub client_writer: QueueWriter,
    /// `RecipientFactor` (30000): priority added per recipient.
    pub recipient_factor: i64,
    /// `ClassFactor` (1800): priority taken per Precedence class.
    pub class_factor: i64,
    /// `RetryFactor` (90000): priority added per delivery attempt.
    pub retry_factor: i64,
    /// `MinQueueAge` (0): time between two attempts of one message.
    pub min_queue_age: Duration,
    /// `MaxQueueAge`: age after which a message is tried only on some runs.
    pub max_queue_age: Option<Duration>,
    /// `MaxQueueRunSize` (0: all): messages read per run.
    pub max_queue_run_size: usize,
    /// `QueueSortOrder`.
    pub sort_order: SortOrder,
    /// `Timeout.queuereturn` (5d): bounce after this long.
    pub queue_return: Duration,
    /// `Timeout.queuewarn` (4h): warn of the delay after this long.
    pub queue_warn: Duration,
    /// `QUEUE_GROUP`s, in order.
    pub groups: Vec<QueueGroup>,
    /// `MaxQueueChildren`: jobs worked at once (unset: the runner's choice).
    pub max_children: Option<usize>,
    /// `MaxHostDeliveries` (ferrymail's, 4): deliveries to one destination at once.
    pub max_host_deliveries: usize,
}

impl QueueSettings {
    /// The queue settings of `config`.
    pub fn from_config(config: &Config) -> QueueSettings {
        let int = |name: &str, default: i64| config.option_int(name).unwrap_or(default);
        let time = |name: &str| config.option_duration(name, 'm');
        QueueSettings {
            dir: config.queue_directory(),
            client_dir: config.client_queue_directory(),
            file_mode: octal(config.option("QueueFileMode")).unwrap_or(0o600),
            writer: QueueWriter {
                run_as: non_empty(config.option("RunAsUser")),
                use_msp: config.option("UseMSP").and_then(parse_bool) == Some(true),
                file_mode: config
                    .is_set("QueueFileMode")
                    .then(|| octal(config.option("QueueFileMode")))
                    .flatten(),
            },
            client_writer: QueueWriter {
                run_as: non_empty(config.client_option("RunAsUser")),
                use_msp: config.client_option("UseMSP").and_then(parse_bool) == Some(true),
                file_mode: config
                    .client_is_set("QueueFileMode")
                    .then(|| octal(config.client_option("QueueFileMode")))
                    .flatten(),
            },
            recipient_factor: int("RecipientFactor", 30000),
            class_factor: int("ClassFactor", 1800),
            retry_factor: int("RetryFactor", 90000),
            min_queue_age: time("MinQueueAge").unwrap_or(Duration::ZERO),
            max_queue_age: time("MaxQueueAge"),
            max_queue_run_size: int("MaxQueueRunSize", 0).max(0) as usize,
            sort_order: config
                .option("QueueSortOrder")
                .and_then(SortOrder::parse)
                .unwrap_or_default(),
            queue_return: time("Timeout.queuereturn").unwrap_or(Duration::from_secs(5 * 86400)),
            queue_warn: time("Timeout.queuewarn").unwrap_or(Duration::from_secs(4 * 3600)),
            groups: config
                .other_calls()
                .iter()
                .filter(|c| c.name == "QUEUE_GROUP")
                .filter_map(QueueGroup::parse)
                .collect(),
            max_children: config.option_int("MaxQueueChildren").map(|n| n.max(1) as usize),
            max_host_deliveries: int("MaxHostDeliveries", 4).max(1) as usize,
        }
    }

    /// The priority of a new message of `size` bytes for `rcpts` recipients, class 0:
    /// size + rcpts * `RecipientFactor`.
    pub fn priority(&self, size: u64, rcpts: usize) -> i64 {
        (size as i64).saturating_add((rcpts as i64).saturating_mul(self.recipient_factor))
    }
}

fn octal(value: Option<&str>) -> Option<u32> {
    u32::from_str_radix(value?.trim(), 8).ok()
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(mc: &str) -> Config {
        Config::from_str(Path::new("t.mc"), mc).unwrap()
    }

    #[test]
    fn defaults_are_sendmails() {
        let q = QueueSettings::from_config(&Config::defaults());
        assert_eq!(q.dir, PathBuf::from("/var/spool/mqueue"));
        assert_eq!((q.file_mode, q.writer.file_mode), (0o600, None));
        assert_eq!((q.recipient_factor, q.class_factor, q.retry_factor), (30000, 1800, 90000));
        assert_eq!(
            (q.min_queue_age, q.max_queue_age, q.max_queue_run_size),
            (Duration::ZERO, None, 0)
        );
        assert_eq!(q.sort_order, SortOrder::Priority);
        assert_eq!(q.queue_return, Duration::from_secs(5 * 86400));
        assert_eq!(q.queue_warn, Duration::from_secs(4 * 3600));
        assert_eq!(q.priority(1000, 2), 61000);
        // Reference queue 10: 184 bytes for one recipient, P30184; queue 12: six, P180437.
        assert_eq!((q.priority(184, 1), q.priority(437, 6)), (30184, 180437));
        assert!(q.groups.is_empty());
    }

    #[test]
    fn values_groups_and_modes_from_the_mc() {
        let q = QueueSettings::from_config(&config(
            "define(`confMIN_QUEUE_AGE', `30')dnl\ndefine(`confQUEUE_SORT_ORDER', `Host')dnl\n\
             define(`confQUEUE_FILE_MODE', `0640')dnl\ndefine(`confRUN_AS_USER', `mail:mail')dnl\n\
             define(`confWORK_RECIPIENT_FACTOR', `10')dnl\n\
             QUEUE_GROUP(`slow', `P=/var/spool/mqueue/slow, F=f, R=2, r=5, I=10m, N=3, J=7')dnl\n",
        ));
        assert_eq!(q.min_queue_age, Duration::from_secs(1800), "a bare number counts minutes");
        assert_eq!(q.sort_order, SortOrder::Host);
        assert_eq!((q.file_mode, q.writer.file_mode), (0o640, Some(0o640)));
        assert_eq!(q.writer.run_as.as_deref(), Some("mail:mail"));
        assert_eq!(q.priority(5, 2), 25);
        let slow = &q.groups[0];
        assert_eq!(slow.name, "slow");
        assert_eq!(slow.path.as_deref(), Some(Path::new("/var/spool/mqueue/slow")));
        assert_eq!((slow.flags.as_str(), slow.runners, slow.recipients), ("f", Some(2), Some(5)));
        assert_eq!(
            (slow.interval, slow.nice, slow.jobs),
            (Some(Duration::from_secs(600)), Some(3), Some(7))
        );
        assert_eq!(DeliveryMode::parse("background"), Some(DeliveryMode::Background));
        assert_eq!(DeliveryMode::parse("Q"), Some(DeliveryMode::Queue));
        assert_eq!(DeliveryMode::parse("x"), None);
        assert_eq!(DeliveryMode::Deferred.letter(), 'd');
    }
}
