//! The message being received, on its way into the queue.
//!
//! Header lines are kept in memory (they are bounded by `MaxHeadersLength` and the
//! qf needs them); body text is gathered and written to the df in large pieces. The
//! df is created only when the first piece must go to disk, so a small message costs
//! one trip to the blocking pool: create the df, write it, fsync it, write and fsync
//! the tf, rename it to the qf, fsync the directory ([`spool::queue`]'s commit).
//! Every file operation runs on tokio's blocking pool, never on a runtime thread, so
//! many sessions' commits are in flight at once and the journal batches their syncs.
//!
//! A store error is remembered and ends as the commit's error: `421 4.3.1` when the
//! file system is full (as sendmail answers), else `451 4.3.0`; never 250. A store dropped without commit
//! removes its df.
//!
//! # Errors
//! [`CommitError`]s, as above.

use smtp::server::CommitError;
use spool::message::{read_header, Header};
use spool::qf::envelope::Envelope;
use spool::queue::{NewMessage, Queue, QueueError, QueueId};
use std::io::Cursor;

/// Body bytes gathered before a write to the df.
const FLUSH_AT: usize = 256 * 1024;

/// What a committed message was.
#[derive(Debug)]
pub struct Committed {
    /// Its queue ID.
    pub id: QueueId,
    /// The message's size as received (sendmail's `size=`).
    pub size: u64,
    /// The `Message-Id:` value, if the message had one.
    pub msgid: Option<String>,
}

/// A message being received.
pub struct Store {
    queue: Queue,
    id: QueueId,
    header_text: Vec<u8>,
    header: Option<Header>,
    body: Vec<u8>,
    message: Option<NewMessage>,
    error: Option<QueueError>,
    eight_bit: bool,
    /// A milter's quarantine reason: the qf gets its `q` line (and becomes `hf`).
    quarantine: Option<String>,
}

impl Store {
    /// A store for message `id` in `queue`.
    pub fn new(queue: Queue, id: QueueId) -> Store {
        Store {
            queue,
            id,
            header_text: Vec::new(),
            header: None,
            body: Vec::new(),
            message: None,
            error: None,
            eight_bit: false,
            quarantine: None,
        }
    }

    /// Whether any byte so far had the high bit set.
    pub fn eight_bit(&self) -> bool {
        self.eight_bit
    }

    /// One header line (without its line end).
    pub fn header(&mut self, line: &[u8]) {
        self.eight_bit |= line.iter().any(|&b| b >= 0x80);
        self.header_text.extend_from_slice(line);
        self.header_text.push(b'\n');
    }

    /// Body text; written to the df once enough has gathered.
    pub async fn body(&mut self, chunk: Vec<u8>) {
        self.eight_bit |= chunk.iter().any(|&b| b >= 0x80);
        if self.body.is_empty() {
            self.body = chunk;
        } else {
            self.body.extend_from_slice(&chunk);
        }
        if self.body.len() >= FLUSH_AT && self.error.is_none() {
            self.flush().await;
        }
    }

    /// Quarantines the message with `reason` (a milter's), when there is one.
    pub fn quarantine(&mut self, reason: Option<String>) {
        self.quarantine = reason;
    }

    /// Replaces the header with `text` (one field per line, continuation lines
    /// starting with SP or HT), as the milters left it.
    pub fn replace_header(&mut self, text: Vec<u8>) {
        self.parsed_header();
        self.header_text = text;
        self.header = None;
        self.parsed_header();
    }

    /// Replaces the body with `body` (LF line ends), as a milter left it; a df
    /// already begun is removed (off the runtime) and written afresh at commit.
    pub async fn replace_body(&mut self, body: Vec<u8>) {
        self.parsed_header();
        self.eight_bit |= body.iter().any(|&b| b >= 0x80);
        self.body = body;
        if let Some(started) = self.message.take() {
            let _ = tokio::task::spawn_blocking(move || drop(started)).await;
        }
    }

    /// The header, parsed once all of it has arrived. A line the parser does not take
    /// as a header field (and everything after it) starts the body, so no byte the
    /// client sent is lost.
    fn parsed_header(&mut self) -> &Header {
        if self.header.is_none() {
            let mut input = Cursor::new(std::mem::take(&mut self.header_text));
            let (header, _) = read_header(&mut input, usize::MAX, false)
                .unwrap_or_else(|_| (Header::default(), false));
            let at = input.position() as usize;
            let mut rest = header.body_start.clone();
            rest.extend_from_slice(&input.get_ref()[at..]);
            if !rest.is_empty() {
                rest.extend_from_slice(&self.body);
                self.body = rest;
            }
            self.header = Some(header);
        }
        self.header.as_ref().expect("parsed above")
    }

    /// Writes the gathered body to the df (creating it first), off the runtime.
    async fn flush(&mut self) {
        self.parsed_header();
        let data = std::mem::take(&mut self.body);
        let (message, queue, id) = (self.message.take(), self.queue.clone(), self.id.clone());
        let result = tokio::task::spawn_blocking(move || {
            let mut message = match message {
                Some(m) => m,
                None => queue.new_message_as(id)?,
            };
            message.write_body(&data)?;
            Ok::<_, QueueError>(message)
        })
        .await
        .expect("the blocking pool runs the write");
        match result {
            Ok(message) => self.message = Some(message),
            Err(e) => self.error = Some(e),
        }
    }

    /// Makes the message durable with the qf `build` makes from its ID, header and
    /// `size` (the bytes received, the blank line included, as the session counted
    /// them); returns what was committed.
    ///
    /// # Errors
    /// A store or commit failure (see the module documentation).
    pub async fn commit<F>(mut self, size: u64, build: F) -> Result<Committed, CommitError>
    where
        F: FnOnce(&QueueId, &Header, u64) -> Envelope + Send + 'static,
    {
        if let Some(e) = self.error.take() {
            return Err(CommitError::from(e));
        }
        let header = self.parsed_header().clone();
        let data = std::mem::take(&mut self.body);
        let quarantine = self.quarantine.take();
        let (message, queue, id) = (self.message.take(), self.queue.clone(), self.id.clone());
        tokio::task::spawn_blocking(move || {
            let mut message = match message {
                Some(m) => m,
                None => queue.new_message_as(id)?,
            };
            message.write_body(&data)?;
            let id = message.id().clone();
            let mut envelope = build(&id, &header, size);
            if let Some(reason) = quarantine {
                envelope.quarantine = Some(reason.into_bytes());
            }
            message.commit(&envelope.to_queue_file())?;
            Ok::<_, QueueError>(Committed { id, size, msgid: envelope.message_id() })
        })
        .await
        .expect("the blocking pool runs the commit")
        .map_err(CommitError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qf(id: &QueueId, header: &Header, size: u64) -> Envelope {
        let mut headers: Vec<_> = spool::inbound::message_fields(header).collect();
        headers.push(spool::inbound::hdr("", &format!("X-Test: {id} {size}")));
        Envelope {
            created: 1795563096,
            sender: b"<a@b.example>".to_vec(),
            recipients: vec![spool::qf::envelope::Recipient {
                flags: "PFD".into(),
                address: b"<root>".to_vec(),
                ..Default::default()
            }],
            headers,
            ..Envelope::default()
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().build().unwrap()
    }

    #[test]
    fn a_small_message_is_written_at_commit() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(dir.path());
        let id = spool::queue::next_id();
        let mut store = Store::new(queue, id.clone());
        runtime().block_on(async {
            store.header(b"Subject: hi");
            store.header(b"Message-Id: <1@x>");
            store.body(b"body\n".to_vec()).await;
            assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "no df yet");
            let done = store.commit(37, qf).await.unwrap();
            assert_eq!(done.id, id);
            assert_eq!(done.size, 37);
            assert_eq!(done.msgid.as_deref(), Some("<1@x>"));
        });
        let df = std::fs::read(dir.path().join(format!("df{id}"))).unwrap();
        assert_eq!(df, b"body\n");
        let qf = std::fs::read_to_string(dir.path().join(format!("qf{id}"))).unwrap();
        assert!(qf.contains("H??Subject: hi\n"), "{qf}");
    }

    #[test]
    fn a_line_the_header_parser_refuses_starts_the_body() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(dir.path());
        let id = spool::queue::next_id();
        let mut store = Store::new(queue, id.clone());
        runtime().block_on(async {
            store.header(b"Subject: one");
            store.header(b"not a field");
            store.header(b"X-After: kept");
            store.body(b"body\n".to_vec()).await;
            store.commit(0, qf).await.unwrap();
        });
        let df = std::fs::read(dir.path().join(format!("df{id}"))).unwrap();
        assert_eq!(df, b"not a field\nX-After: kept\nbody\n");
    }

    #[test]
    fn a_large_body_goes_to_disk_before_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(dir.path());
        let id = spool::queue::next_id();
        let mut store = Store::new(queue, id.clone());
        runtime().block_on(async {
            store.body(vec![b'x'; FLUSH_AT]).await;
            assert!(dir.path().join(format!("df{id}")).exists(), "flushed");
            store.body(b"\n".to_vec()).await;
            store.commit(0, qf).await.unwrap();
        });
        assert_eq!(
            std::fs::metadata(dir.path().join(format!("df{id}"))).unwrap().len(),
            FLUSH_AT as u64 + 1
        );
    }

    #[test]
    fn milters_replace_header_and_body_even_after_a_flush() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(dir.path());
        let id = spool::queue::next_id();
        let mut store = Store::new(queue, id.clone());
        runtime().block_on(async {
            store.header(b"Subject: old");
            store.body(vec![b'x'; FLUSH_AT]).await;
            assert!(dir.path().join(format!("df{id}")).exists(), "flushed");
            store.replace_header(b"Subject: new\nX-Added: yes\n".to_vec());
            store.replace_body(b"replaced\n".to_vec()).await;
            store.commit(0, qf).await.unwrap();
        });
        let df = std::fs::read(dir.path().join(format!("df{id}"))).unwrap();
        assert_eq!(df, b"replaced\n");
        let qf = std::fs::read_to_string(dir.path().join(format!("qf{id}"))).unwrap();
        assert!(qf.contains("H??Subject: new\nH??X-Added: yes\n"), "{qf}");
    }

    #[test]
    fn a_store_dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::new(Queue::open(dir.path()), spool::queue::next_id());
        runtime().block_on(store.body(vec![b'x'; FLUSH_AT]));
        drop(store);
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }
}
