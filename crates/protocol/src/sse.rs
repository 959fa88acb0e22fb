//! Reading a Server-Sent Events stream as it arrives, chunk by chunk (the WHATWG event-stream format:
//! `field: value` lines, events ended by a blank line, `:` comments ignored).

/// One event: its `event` name (when given) and its `data` lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// The longest line kept while waiting for its end; a longer one is dropped (nothing the providers
/// document comes near it).
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Turns the bytes of a stream, in whatever chunks they come, into events.
#[derive(Debug, Default)]
pub struct SseReader {
    line: Vec<u8>,
    /// Whether the current line grew past [`MAX_LINE_BYTES`] and is being skipped.
    skipping: bool,
    current: SseEvent,
    has_data: bool,
    /// Whether the last byte was a `\r`, so a `\n` right after it ends nothing more.
    last_was_cr: bool,
}

impl SseReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk; answers the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        for &byte in chunk {
            match byte {
                b'\n' | b'\r' => {
                    // `\r\n` ends one line: the empty "line" between them is not a blank line.
                    if byte == b'\n' && std::mem::take(&mut self.last_was_cr) {
                        continue;
                    }
                    self.last_was_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if !std::mem::take(&mut self.skipping) {
                        self.take_line(&line, &mut events);
                    }
                }
                _ => {
                    self.last_was_cr = false;
                    if self.line.len() >= MAX_LINE_BYTES {
                        self.skipping = true;
                        self.line.clear();
                    }
                    if !self.skipping {
                        self.line.push(byte);
                    }
                }
            }
        }
        events
    }

    fn take_line(&mut self, line: &[u8], events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.has_data {
                let mut event = std::mem::take(&mut self.current);
                if event.data.ends_with('\n') {
                    event.data.pop();
                }
                events.push(event);
            }
            self.current = SseEvent::default();
            self.has_data = false;
            return;
        }
        if line.first() == Some(&b':') {
            return;
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (text.as_ref(), ""),
        };
        match field {
            "data" => {
                self.current.data.push_str(value);
                self.current.data.push('\n');
                self.has_data = true;
            }
            "event" => self.current.event = Some(value.to_owned()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn reads_events_across_chunks_and_skips_comments() {
        let mut reader = SseReader::new();
        assert!(reader.feed(b": keep-alive\n\nda").is_empty());
        assert!(reader.feed(b"ta: {\"event\":\"code\",").is_empty());
        let events = reader.feed(b"\"code\":\"847291\"}\n\n");
        assert_eq!(data(&events), [r#"{"event":"code","code":"847291"}"#]);
    }

    #[test]
    fn crlf_names_and_multi_line_data() {
        let mut reader = SseReader::new();
        let events = reader.feed(b"event: status\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n");
        assert_eq!(events[0], SseEvent { event: Some("status".into()), data: "a\nb".into() });
        assert_eq!(data(&events[1..]), ["c"]);
    }

    #[test]
    fn a_huge_line_is_dropped_not_kept() {
        let mut reader = SseReader::new();
        let mut chunk = b"data: ".to_vec();
        chunk.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        chunk.extend(b"\n\ndata: ok\n\n");
        assert_eq!(data(&reader.feed(&chunk)), ["ok"]);
    }
}
