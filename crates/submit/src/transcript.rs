//! `-X file`: a transcript of what the program reads, one `pid <<< line` per line,
//! appended to the file as sendmail's traffic log does.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A reader that copies every line it reads into the transcript file, if there is one.
#[derive(Debug)]
pub struct Tee<R> {
    inner: R,
    log: Option<File>,
    at_line_start: bool,
    pid: u32,
}

impl<R: Read> Tee<R> {
    /// Wraps `inner`; with `path`, opens it for appending (created 0600).
    pub fn new(inner: R, path: Option<&Path>) -> io::Result<Tee<R>> {
        let log = match path {
            Some(p) => Some(OpenOptions::new().append(true).create(true).mode(0o600).open(p)?),
            None => None,
        };
        Ok(Tee { inner, log, at_line_start: true, pid: std::process::id() })
    }

    fn record(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(log) = self.log.as_mut() else { return Ok(()) };
        let mut out = Vec::with_capacity(bytes.len() + 16);
        for &b in bytes {
            if self.at_line_start {
                out.extend_from_slice(format!("{} <<< ", self.pid).as_bytes());
            }
            out.push(b);
            self.at_line_start = b == b'\n';
        }
        log.write_all(&out)
    }
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.record(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_prefixed_with_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        let mut tee = Tee::new(io::Cursor::new(b"a\nbc\n".to_vec()), Some(&path)).unwrap();
        let mut all = Vec::new();
        tee.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"a\nbc\n");
        let pid = std::process::id();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{pid} <<< a\n{pid} <<< bc\n"));
    }
}
