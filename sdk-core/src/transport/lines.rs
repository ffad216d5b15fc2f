//! [`LineBuffer`]: splits a byte stream into lines in linear time, with a cap
//! on the length of a line — the base of the SSE and NDJSON readers.
//!
//! Every byte is scanned once: a chunk is appended, only the bytes not yet
//! scanned are searched for a line end, and consumed lines are dropped from
//! the front in amortised constant time. A line longer than the cap is an
//! error as soon as the cap is passed, without waiting for its end.
//!
//! ```
//! use trigger_sdk_core::transport::lines::LineBuffer;
//!
//! let mut lines = LineBuffer::new(1024);
//! lines.push(b"data: a\r\ndata: b\rda");
//! assert_eq!(lines.next_line()?, Some(&b"data: a"[..]));
//! assert_eq!(lines.next_line()?, Some(&b"data: b"[..]));
//! assert_eq!(lines.next_line()?, None);
//! lines.push(b"ta: c\n");
//! assert_eq!(lines.next_line()?, Some(&b"data: c"[..]));
//! # Ok::<(), trigger_sdk_core::transport::lines::LineTooLong>(())
//! ```

/// A line was longer than the buffer's cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a line is over the limit of {limit} bytes")]
pub struct LineTooLong {
    /// The cap, in bytes.
    pub limit: usize,
}

/// Splits bytes into lines ended by `\n`, `\r\n` or `\r`.
#[derive(Debug, Clone)]
pub struct LineBuffer {
    buf: Vec<u8>,
    /// Where the next line starts.
    start: usize,
    /// How far the buffer has been searched for a line end.
    scanned: usize,
    /// The last line ended with `\r` at the end of the data: a `\n` that
    /// comes first in the next chunk belongs to it.
    skip_lf: bool,
    max_line: usize,
}

impl LineBuffer {
    /// A buffer that refuses lines longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            skip_lf: false,
            max_line,
        }
    }

    /// Appends a chunk of the stream.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 && (self.start == self.buf.len() || self.start * 2 > self.buf.len()) {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete line, without its line end; `Ok(None)` until one is
    /// complete.
    ///
    /// # Errors
    ///
    /// [`LineTooLong`] once the unfinished line is over the cap.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, LineTooLong> {
        if self.skip_lf && self.start < self.buf.len() {
            if self.buf[self.start] == b'\n' {
                self.start += 1;
            }
            self.skip_lf = false;
        }
        let from = self.scanned.max(self.start);
        let found = self.buf[from..]
            .iter()
            .position(|b| *b == b'\n' || *b == b'\r')
            .map(|i| from + i);
        let Some(end) = found else {
            self.scanned = self.buf.len();
            if self.buf.len() - self.start > self.max_line {
                return Err(LineTooLong {
                    limit: self.max_line,
                });
            }
            return Ok(None);
        };
        if end - self.start > self.max_line {
            return Err(LineTooLong {
                limit: self.max_line,
            });
        }
        let line_start = self.start;
        let next = if self.buf[end] == b'\r' {
            match self.buf.get(end + 1) {
                Some(b'\n') => end + 2,
                Some(_) => end + 1,
                None => {
                    self.skip_lf = true;
                    end + 1
                }
            }
        } else {
            end + 1
        };
        self.start = next;
        self.scanned = next;
        Ok(Some(&self.buf[line_start..end]))
    }

    /// Bytes received after the last complete line (a line the stream ended
    /// in the middle of).
    pub fn remainder(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Forgets everything buffered (after a reconnect).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        self.skip_lf = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(buffer: &mut LineBuffer) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(line) = buffer.next_line().unwrap() {
            out.push(String::from_utf8_lossy(line).into_owned());
        }
        out
    }

    #[test]
    fn every_line_end_and_every_split_point() {
        let text = b"a\nbb\r\nccc\rdddd\n\nlast";
        let expected = ["a", "bb", "ccc", "dddd", ""];
        for split in 0..=text.len() {
            let mut buffer = LineBuffer::new(100);
            let mut got = Vec::new();
            buffer.push(&text[..split]);
            got.extend(all_lines(&mut buffer));
            buffer.push(&text[split..]);
            got.extend(all_lines(&mut buffer));
            assert_eq!(got, expected, "split at {split}");
            assert_eq!(buffer.remainder(), b"last");
        }
    }

    #[test]
    fn byte_by_byte_keeps_crlf_as_one_line_end() {
        let mut buffer = LineBuffer::new(100);
        let mut got = Vec::new();
        for b in b"x\r\ny\r\rz\n" {
            buffer.push(&[*b]);
            got.extend(all_lines(&mut buffer));
        }
        assert_eq!(got, ["x", "y", "", "z"]);
    }

    #[test]
    fn a_long_line_fails_before_it_ends() {
        let mut buffer = LineBuffer::new(8);
        buffer.push(b"12345678");
        assert_eq!(buffer.next_line(), Ok(None));
        buffer.push(b"9");
        assert_eq!(buffer.next_line(), Err(LineTooLong { limit: 8 }));
        let mut buffer = LineBuffer::new(4);
        buffer.push(b"123456\n");
        assert_eq!(buffer.next_line(), Err(LineTooLong { limit: 4 }));
    }

    #[test]
    fn consumed_lines_do_not_accumulate() {
        let mut buffer = LineBuffer::new(100);
        for _ in 0..10_000 {
            buffer.push(b"data: 0123456789\n");
            assert!(buffer.next_line().unwrap().is_some());
        }
        assert!(buffer.buf.len() < 100, "{}", buffer.buf.len());
    }
}
