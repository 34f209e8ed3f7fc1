//! `mailq -j`: one JSON object per message, one per line, like `postqueue -j`.
//!
//! Fields: `queue_name` (the directory), `queue_id`, `status` (`queued`, `active` when
//! locked by a queue runner, `quarantined`, `lost`), `arrival_time` (epoch seconds),
//! `message_size` (df size, -1 if missing), `priority`, `attempts`, `last_attempt`,
//! `sender`, `body_type`, `quarantine_reason`, `delay_reason` (the envelope's status
//! message) and `recipients`: `address`, `delay_reason` (that recipient's `M`),
//! `controller`, `notify` (`R` flags). Bytes that are not UTF-8 are replaced.

use crate::flags::Mode;
use crate::scan::Entry;
use serde_json::{json, Value};
use spool::qf::{self, envelope::Envelope, Code};
use std::io::{self, Write};

/// Writes `entry` of queue `dir` as one JSON line.
pub fn print_entry(out: &mut dyn Write, dir: &str, entry: &Entry, mode: Mode) -> io::Result<()> {
    let object = to_json(dir, entry, mode);
    serde_json::to_writer(&mut *out, &object)?;
    out.write_all(b"\n")
}

fn to_json(dir: &str, entry: &Entry, mode: Mode) -> Value {
    let status = match (mode, entry.locked) {
        (Mode::Quarantined, _) => "quarantined",
        (Mode::Lost, _) => "lost",
        (Mode::Normal, true) => "active",
        (Mode::Normal, false) => "queued",
    };
    let size = entry.df_size.as_ref().map(|s| *s as i64).unwrap_or(-1);
    let mut object = json!({
        "queue_name": dir,
        "queue_id": entry.id.as_str(),
        "status": status,
        "message_size": size,
        "priority": entry.priority,
    });
    let path = std::path::Path::new(entry.id.as_str());
    let parsed = entry.qf.as_ref().map_err(String::clone).and_then(|bytes| {
        let qf = qf::parse_listing(path, bytes).map_err(|e| e.to_string())?;
        let env = Envelope::from_queue_file(path, &qf).map_err(|e| e.to_string())?;
        Ok((qf, env))
    });
    match &parsed {
        Ok((qf, env)) => {
            let recipients: Vec<Value> = env
                .recipients
                .iter()
                .map(|r| {
                    json!({
                        "address": text(&r.address),
                        "delay_reason": r.status.as_deref().map(text),
                        "controller": r.controller.as_deref().map(text),
                        "notify": r.flags,
                    })
                })
                .collect();
            let fields = json!({
                "arrival_time": env.created,
                "attempts": env.attempts,
                "last_attempt": env.last_attempt,
                "sender": text(&env.sender),
                "body_type": env.body_type,
                "quarantine_reason": qf.first(Code::Quarantine).map(text),
                "delay_reason": env.message.as_deref().map(text),
                "recipients": recipients,
            });
            merge(&mut object, fields);
        }
        Err(reason) => merge(&mut object, json!({ "error": reason })),
    }
    object
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use spool::queue::QueueId;

    fn entry(qf: &[u8]) -> Entry {
        Entry {
            id: QueueId::parse("6AONVaU4019530").unwrap(),
            qf: Ok(qf.to_vec()),
            df_size: Ok(5),
            df_name: "df6AONVaU4019530".into(),
            locked: false,
            priority: 0,
            modified: None,
        }
    }

    #[test]
    fn a_qf_becomes_one_object() {
        let v = to_json(
            "mqueue",
            &entry(b"V8\nT17\nK0\nN2\nP9\nFs\nS<a@b>\nRPFD:<t@s>\n.\n"),
            Mode::Normal,
        );
        assert_eq!(v["arrival_time"], 17);
        assert_eq!(v["attempts"], 2);
        assert_eq!(v["recipients"][0]["address"], "<t@s>");
        assert!(v.get("error").is_none());
    }

    /// A number that does not parse is reported with its line, not shown as 0.
    #[test]
    fn a_bad_number_is_an_error_naming_the_line() {
        let v = to_json("mqueue", &entry(b"V8\nTsoon\nK0\nN0\nP1\nFs\nS<a@b>\n.\n"), Mode::Normal);
        assert_eq!(v["error"], "6AONVaU4019530: line 2: bad number in line \"Tsoon\"");
        assert!(v.get("arrival_time").is_none());
    }
}
