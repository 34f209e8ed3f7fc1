//! ETRN: which queue run a client may start (sendmail's `CMDETRN`).
//!
//! `ETRN #group` names a queue group: `mqueue` (the default group) or one of the
//! `.mc`'s `QUEUE_GROUP`s, else `459 4.5.4 Queue group unknown`. Any other argument
//! is a node: the run delivers the queued mail of recipients `@node`, `@` added
//! unless the client gave it. The caller starts the run and then sends
//! [`Etrn::started`], or [`Etrn::unable`] when it could not start it.

use super::Rules;
use crate::status::DeliveryStatus;

/// The queue run an ETRN asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Etrn {
    /// Run the mail of recipients matching `@domain` (sendmail's `-qR@domain`).
    Node {
        /// The argument as given.
        node: String,
        /// The recipient pattern, `@` included.
        pattern: String,
    },
    /// Run this queue group.
    Group(String),
    /// Refuse with this reply.
    Refuse(DeliveryStatus),
}

impl Etrn {
    /// The reply once the run was started.
    pub fn started(&self) -> DeliveryStatus {
        match self {
            Etrn::Node { node, .. } => {
                DeliveryStatus::new(250, "2.0.0", format!("Queuing for node {node} started"))
            }
            Etrn::Group(g) => {
                DeliveryStatus::new(250, "2.0.0", format!("Queuing for queue group {g} started"))
            }
            Etrn::Refuse(status) => status.clone(),
        }
    }

    /// The reply when the run could not be started.
    pub fn unable(&self) -> DeliveryStatus {
        match self {
            Etrn::Node { node, .. } => DeliveryStatus::new(
                458,
                "4.0.0",
                format!("Unable to queue messages for node {node}"),
            ),
            Etrn::Group(g) => DeliveryStatus::new(
                458,
                "4.0.0",
                format!("Unable to queue messages for queue group {g}"),
            ),
            Etrn::Refuse(status) => status.clone(),
        }
    }
}

impl Rules {
    /// What `ETRN argument` asks for.
    pub fn etrn(&self, argument: &str) -> Etrn {
        let arg = argument.trim();
        if let Some(group) = arg.strip_prefix('#') {
            return if self.queue_groups.iter().any(|g| g == group) {
                Etrn::Group(group.to_string())
            } else {
                Etrn::Refuse(DeliveryStatus::new(459, "4.5.4", format!("Queue {group} unknown")))
            };
        }
        let pattern = if arg.starts_with('@') { arg.to_string() } else { format!("@{arg}") };
        Etrn::Node { node: arg.to_string(), pattern }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testlab::lab;
    use super::*;

    #[test]
    fn nodes_and_queue_groups() {
        let lab = lab();
        let r = &lab.rules;
        let node = r.etrn("example.org");
        assert_eq!(node, Etrn::Node { node: "example.org".into(), pattern: "@example.org".into() });
        assert_eq!(node.started().line(), "250 2.0.0 Queuing for node example.org started");
        assert_eq!(node.unable().line(), "458 4.0.0 Unable to queue messages for node example.org");
        assert_eq!(
            r.etrn("@example.org").started().line(),
            "250 2.0.0 Queuing for node @example.org started"
        );
        assert_eq!(
            r.etrn("#mqueue").started().line(),
            "250 2.0.0 Queuing for queue group mqueue started"
        );
        assert_eq!(r.etrn("#nosuch").started().line(), "459 4.5.4 Queue nosuch unknown");
    }
}
