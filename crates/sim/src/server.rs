//! A small native HTTP/1.1 server hosting a [`Simulator`] (feature `server`).
//!
//! One thread per connection (up to a limit), keep-alive, `Content-Length` and chunked request bodies,
//! `Expect: 100-continue`, bodies above 64 KiB answered 413. The simulator sits behind a mutex; the
//! server reads the wall clock for `now_ms`, sleeps `delay_ms` outside the lock, and for
//! [`Outcome::Drop`] closes the connection without writing a byte.
//!
//! Held answers ([`crate::hold`]) are waited for here: a long-poll is resumed every
//! [`HOLD_CHECK_INTERVAL`] (or sooner, when the simulator says something is due), so an admin clock move
//! or an injected SMS is answered within that interval; it never outlives its deadline, and ends early
//! when the client goes away. An event stream is written as it comes: status and headers at once,
//! without `Content-Length` and with `Connection: close`, then each event; it ends with its order, or
//! when the client goes away.
//!
//! It is written on `std::net` rather than a server library because a faithful `drop` fault needs to
//! close the socket with no response at all, which higher-level servers do not allow.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Simulator;
use crate::faults::reason_phrase;
use crate::hold::{EventStream, Hold, LongPoll, Resumed};
use crate::http::{CONTENT_TYPE_TEXT, MAX_BODY_BYTES, Outcome, SimRequest, SimResponse, parse_query};

/// Largest request head (request line and headers) accepted.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Most headers accepted in one request.
pub const MAX_HEADERS: usize = 100;
/// Default limit of connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;
/// How long a connection may sit idle (or stall mid-request) before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a held request (long-poll or event stream) is checked again, at the latest.
pub const HOLD_CHECK_INTERVAL: Duration = Duration::from_millis(50);
/// Wall time a long-poll may run past its deadline before the server answers for the simulator (which
/// never needs it: the simulator answers at its deadline).
const HOLD_GRACE_MS: u64 = 1_000;

/// The current wall-clock time in unix-epoch milliseconds.
#[must_use]
pub fn wall_clock_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A bound, not yet running, simulator server.
#[derive(Debug)]
pub struct SimServer {
    listener: TcpListener,
    sim: Arc<Mutex<Simulator>>,
    max_connections: usize,
}

impl SimServer {
    /// Binds `addr` (use port 0 to let the system pick a free port).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn bind(addr: impl ToSocketAddrs, sim: Simulator) -> io::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind(addr)?,
            sim: Arc::new(Mutex::new(sim)),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        })
    }

    /// Limits how many connections are served at once (each takes a thread); at least 1.
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The bound address.
    ///
    /// # Errors
    /// When the socket cannot report it.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// `http://<addr>`, the base URL clients use.
    ///
    /// # Errors
    /// When the socket cannot report its address.
    pub fn url(&self) -> io::Result<String> {
        Ok(format!("http://{}", self.local_addr()?))
    }

    /// The shared simulator, to inspect or change it in-process.
    #[must_use]
    pub fn simulator(&self) -> Arc<Mutex<Simulator>> {
        Arc::clone(&self.sim)
    }

    /// Serves until the process ends.
    ///
    /// # Errors
    /// When accepting connections fails persistently.
    pub fn run(self) -> io::Result<()> {
        self.serve(&AtomicBool::new(false))
    }

    /// Serves on a background thread until the returned handle is dropped.
    ///
    /// # Errors
    /// When the bound address cannot be read or the thread cannot start.
    pub fn spawn(self) -> io::Result<ServerHandle> {
        let addr = self.local_addr()?;
        let sim = self.simulator();
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = thread::Builder::new().name("vnum-sim-accept".to_owned()).spawn(move || {
            let _ = self.serve(&thread_stop);
        })?;
        Ok(ServerHandle { addr, sim, stop, thread: Some(thread) })
    }

    fn serve(self, stop: &AtomicBool) -> io::Result<()> {
        let slots = Arc::new(Slots::new(self.max_connections));
        let mut consecutive_errors = 0u32;
        while !stop.load(Ordering::SeqCst) {
            slots.acquire();
            let stream = match self.listener.accept() {
                Ok((stream, _)) => {
                    consecutive_errors = 0;
                    stream
                }
                Err(err) => {
                    slots.release();
                    consecutive_errors += 1;
                    if consecutive_errors > 100 {
                        return Err(err);
                    }
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            if stop.load(Ordering::SeqCst) {
                slots.release();
                break;
            }
            let sim = Arc::clone(&self.sim);
            let guard = SlotGuard(Arc::clone(&slots));
            let spawned = thread::Builder::new().name("vnum-sim-conn".to_owned()).spawn(move || {
                let _guard = guard;
                serve_connection(stream, &sim);
            });
            // If the thread could not start, its closure (and the guard) was dropped: slot released.
            drop(spawned);
        }
        Ok(())
    }
}

/// A server running on a background thread; dropping it stops accepting connections.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    sim: Arc<Mutex<Simulator>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared simulator.
    #[must_use]
    pub fn simulator(&self) -> Arc<Mutex<Simulator>> {
        Arc::clone(&self.sim)
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call so the loop sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A counting semaphore for connection threads.
#[derive(Debug)]
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn new(n: usize) -> Self {
        Self { free: Mutex::new(n), freed: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn acquire(&self) {
        let mut free = self.lock();
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
    }

    fn release(&self) {
        *self.lock() += 1;
        self.freed.notify_one();
    }
}

struct SlotGuard(Arc<Slots>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// Why reading a request stopped.
#[derive(Debug)]
enum ReadError {
    /// The peer closed (or the socket failed): nothing to answer.
    Closed,
    /// Answer with this status and text, then close.
    Reject(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        Self::Closed
    }
}

/// A request read off the wire, plus framing facts.
struct WireRequest {
    request: SimRequest,
    keep_alive: bool,
    head: bool,
}

fn serve_connection(stream: TcpStream, sim: &Mutex<Simulator>) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let wire = match read_request(&mut reader, &mut writer) {
            Ok(Some(wire)) => wire,
            Ok(None) | Err(ReadError::Closed) => return,
            Err(ReadError::Reject(status, text)) => {
                let _ = write_response(
                    &mut writer,
                    status,
                    &[("Content-Type".to_owned(), CONTENT_TYPE_TEXT.to_owned())],
                    text.as_bytes(),
                    false,
                    false,
                );
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        };
        let response = lock(sim).handle(wall_clock_ms(), &wire.request);
        if response.delay_ms > 0 {
            thread::sleep(Duration::from_millis(response.delay_ms));
        }
        let mut response = response;
        let response = match response.hold.take() {
            None => response,
            Some(Hold::LongPoll(poll)) => match hold_long_poll(&writer, sim, &poll, response) {
                Some(answer) => answer,
                None => {
                    let _ = writer.shutdown(Shutdown::Both);
                    return;
                }
            },
            Some(Hold::EventStream(stream)) => {
                if let Outcome::Respond { status, headers, body } = &response.outcome {
                    serve_event_stream(&mut writer, sim, (*status, headers, body), stream);
                }
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        };
        match response.outcome {
            Outcome::Drop => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Outcome::Respond { status, headers, body } => {
                let written = write_response(&mut writer, status, &headers, &body, wire.keep_alive, wire.head);
                if written.is_err() || !wire.keep_alive {
                    let _ = writer.shutdown(Shutdown::Both);
                    return;
                }
            }
        }
    }
}

fn lock(sim: &Mutex<Simulator>) -> MutexGuard<'_, Simulator> {
    sim.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sleeps until `recheck_by_ms` (host time) or for [`HOLD_CHECK_INTERVAL`], whichever is sooner (at
/// least a millisecond).
fn sleep_until_recheck(recheck_by_ms: u64) {
    let interval = u64::try_from(HOLD_CHECK_INTERVAL.as_millis()).unwrap_or(50);
    let ms = recheck_by_ms.saturating_sub(wall_clock_ms()).clamp(1, interval);
    thread::sleep(Duration::from_millis(ms));
}

/// Whether the client closed its side of the connection (or the socket failed).
fn peer_closed(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return true;
    }
    let mut byte = [0u8; 1];
    let closed = match stream.peek(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(err) => err.kind() != io::ErrorKind::WouldBlock,
    };
    let _ = stream.set_nonblocking(false);
    closed
}

/// Waits for a long-poll's answer outside the lock; `None` when the client went away. `fallback` (the
/// answer of a wait that ends at once) is sent if the simulator has not answered by the deadline plus
/// [`HOLD_GRACE_MS`].
fn hold_long_poll(
    peer: &TcpStream,
    sim: &Mutex<Simulator>,
    poll: &LongPoll,
    fallback: SimResponse,
) -> Option<SimResponse> {
    let give_up_at = lock(sim).host_time_of(poll.deadline_ms()).saturating_add(HOLD_GRACE_MS);
    loop {
        let resumed = lock(sim).resume(wall_clock_ms(), poll);
        match resumed {
            Resumed::Answer(answer) => return Some(answer),
            Resumed::Pending { recheck_by_ms } => {
                if wall_clock_ms() >= give_up_at {
                    return Some(fallback);
                }
                sleep_until_recheck(recheck_by_ms);
                if peer_closed(peer) {
                    return None;
                }
            }
        }
    }
}

/// Writes an event stream: its start (`head`: status, headers, first events), then the events the
/// simulator gives, until the stream ends or the client goes away.
fn serve_event_stream(
    writer: &mut TcpStream,
    sim: &Mutex<Simulator>,
    head: (u16, &[(String, String)], &[u8]),
    mut stream: EventStream,
) {
    let (status, headers, body) = head;
    if write_stream_head(writer, status, headers, body).is_err() {
        return;
    }
    let mut recheck_by_ms = wall_clock_ms();
    loop {
        sleep_until_recheck(recheck_by_ms);
        if peer_closed(writer) {
            return;
        }
        let step = lock(sim).stream_next(wall_clock_ms(), &mut stream);
        let text: String = step.events.concat();
        if !text.is_empty() && writer.write_all(text.as_bytes()).and_then(|()| writer.flush()).is_err() {
            return;
        }
        if step.ended {
            return;
        }
        recheck_by_ms = step.recheck_by_ms;
    }
}

/// The head of a streamed response: no `Content-Length`, `Connection: close`; then `body`.
fn write_stream_head(writer: &mut TcpStream, status: u16, headers: &[(String, String)], body: &[u8]) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    push_headers(&mut out, headers);
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(body);
    writer.write_all(&out)?;
    writer.flush()
}

/// Writes response headers, leaving out the framing ones (the server sets those) and any with a line
/// break.
fn push_headers(out: &mut Vec<u8>, headers: &[(String, String)]) {
    for (name, value) in headers {
        let framing =
            ["content-length", "connection", "transfer-encoding"].iter().any(|h| name.eq_ignore_ascii_case(h));
        let unsafe_text = |s: &str| s.contains(['\r', '\n']);
        if framing || unsafe_text(name) || unsafe_text(value) {
            continue;
        }
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
}

/// Reads one line (up to and including `\n`) within the remaining head budget, without the line
/// ending. `Ok(None)` at a clean end of stream.
fn read_line(reader: &mut BufReader<TcpStream>, budget: &mut usize) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX);
    let n = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
    if n == 0 {
        return if *budget == 0 { Err(ReadError::Reject(431, "Request header fields too large")) } else { Ok(None) };
    }
    *budget -= n;
    if line.last() != Some(&b'\n') {
        return if *budget == 0 {
            Err(ReadError::Reject(431, "Request header fields too large"))
        } else {
            Err(ReadError::Closed)
        };
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Result<Option<WireRequest>, ReadError> {
    let mut budget = MAX_HEAD_BYTES;
    // Tolerate empty lines before the request line (RFC 9112 §2.2).
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => {}
            Some(line) => break line,
        }
    };
    let request_line = String::from_utf8(request_line).map_err(|_| ReadError::Reject(400, "Bad request line"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Reject(400, "Bad request line"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(ReadError::Reject(400, "Bad request line"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Reject(505, "HTTP version not supported")),
    };

    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let Some(line) = read_line(reader, &mut budget)? else {
            return Err(ReadError::Closed);
        };
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::Reject(431, "Too many headers"));
        }
        let line = String::from_utf8_lossy(&line);
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Reject(400, "Bad header"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ReadError::Reject(400, "Bad header"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }

    let header = |name: &'static str| header_values(&headers, name);
    let connection_has =
        |token: &str| header("connection").any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)));
    let keep_alive = if http10 { connection_has("keep-alive") } else { !connection_has("close") };
    let expects_continue = header("expect").any(|v| v.eq_ignore_ascii_case("100-continue"));

    let transfer_encoding: Vec<&str> = header("transfer-encoding").collect();
    let body = if transfer_encoding.is_empty() {
        let lengths: Vec<&str> = header("content-length").collect();
        let length = match lengths.first() {
            None => 0,
            Some(first) => {
                if lengths.iter().any(|l| l != first) {
                    return Err(ReadError::Reject(400, "Conflicting Content-Length"));
                }
                first.parse::<usize>().map_err(|_| ReadError::Reject(400, "Bad Content-Length"))?
            }
        };
        if length > MAX_BODY_BYTES {
            return Err(ReadError::Reject(413, "Payload too large"));
        }
        if length > 0 && expects_continue {
            send_continue(writer)?;
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    } else {
        let chunked = transfer_encoding
            .last()
            .and_then(|v| v.split(',').next_back())
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked"));
        if !chunked {
            return Err(ReadError::Reject(400, "Unsupported Transfer-Encoding"));
        }
        if expects_continue {
            send_continue(writer)?;
        }
        read_chunked(reader)?
    };

    let (path, query) = split_target(target);
    Ok(Some(WireRequest {
        request: SimRequest { method: method.to_owned(), path, query, headers, body },
        keep_alive,
        head: method == "HEAD",
    }))
}

fn header_values<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn send_continue(writer: &mut TcpStream) -> Result<(), ReadError> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()?;
    Ok(())
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    let mut budget = MAX_HEAD_BYTES;
    loop {
        let Some(line) = read_line(reader, &mut budget)? else {
            return Err(ReadError::Closed);
        };
        let line = String::from_utf8_lossy(&line);
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Reject(400, "Bad chunk size"))?;
        if size == 0 {
            // Trailer fields until the empty line.
            loop {
                match read_line(reader, &mut budget)? {
                    None => return Err(ReadError::Closed),
                    Some(line) if line.is_empty() => return Ok(body),
                    Some(_) => {}
                }
            }
        }
        if body.len().saturating_add(size) > MAX_BODY_BYTES {
            return Err(ReadError::Reject(413, "Payload too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Reject(400, "Bad chunk"));
        }
    }
}

/// Splits a request target into its path and decoded query. Absolute-form targets
/// (`http://host/path?q`) are reduced to their path.
fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    let origin_form = match target.find("://") {
        Some(scheme_end) if !target.starts_with('/') => {
            let after = &target[scheme_end + 3..];
            after.find('/').map_or("/", |i| &after[i..])
        }
        _ => target,
    };
    let without_fragment = origin_form.split('#').next().unwrap_or_default();
    match without_fragment.split_once('?') {
        Some((path, query)) => (path.to_owned(), parse_query(query)),
        None => (without_fragment.to_owned(), Vec::new()),
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn write_response(
    writer: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    keep_alive: bool,
    head: bool,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    push_headers(&mut out, headers);
    out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head {
        out.extend_from_slice(body);
    }
    writer.write_all(&out)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            split_target("/api/v1/numbers/status?id=a%20b&x=1#frag"),
            (
                "/api/v1/numbers/status".to_owned(),
                vec![("id".to_owned(), "a b".to_owned()), ("x".to_owned(), "1".to_owned())]
            )
        );
        assert_eq!(split_target("http://127.0.0.1:9/api/v1/balance").0, "/api/v1/balance");
        assert_eq!(split_target("http://host").0, "/");
        assert_eq!(split_target("*").0, "*");
        assert_eq!(split_target("/p?u=http://x").0, "/p");
    }
}
