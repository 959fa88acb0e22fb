//! The in-process HTTP/1.1 server (`vnum_sim::server`), spoken to over raw TCP.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use vnum_sim::server::{ServerHandle, SimServer};
use vnum_sim::{DEFAULT_KEY, FaultKind, FaultState, SimConfig, Simulator};

fn start() -> ServerHandle {
    SimServer::bind("127.0.0.1:0", Simulator::new(SimConfig::default())).unwrap().spawn().unwrap()
}

fn connect(server: &ServerHandle) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

/// Reads one response: head and a `Content-Length` body. Returns (status, head, body).
fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).unwrap();
        assert_eq!(n, 1, "connection closed mid-head: {:?}", String::from_utf8_lossy(&data));
        data.push(byte[0]);
    }
    let head = String::from_utf8(data).unwrap();
    let status: u16 = head[9..12].parse().unwrap();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    (status, head, String::from_utf8(body).unwrap())
}

fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    rest
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = start();
    let mut stream = connect(&server);
    for _ in 0..3 {
        write!(stream, "GET /api/v1/balance HTTP/1.1\r\nHost: x\r\nX-API-Key: {DEFAULT_KEY}\r\n\r\n").unwrap();
        let (status, head, body) = read_response(&mut stream);
        assert_eq!(status, 200);
        assert!(head.contains("Content-Type: application/json\r\n"));
        assert!(!head.contains("Connection: close"));
        assert_eq!(body, r#"{"balance":10.0,"escrow":0.0,"currency":"USD"}"#);
    }
    // Connection: close is honoured.
    write!(stream, "GET /api/v1/services HTTP/1.1\r\nConnection: close\r\nX-API-Key: {DEFAULT_KEY}\r\n\r\n").unwrap();
    let (status, head, _) = read_response(&mut stream);
    assert_eq!(status, 200);
    assert!(head.contains("Connection: close\r\n"));
    assert!(read_to_end(&mut stream).is_empty());
    assert_eq!(server.simulator().lock().unwrap().stats().total, 4);
}

#[test]
fn bodies_by_length_chunked_and_with_expect_continue() {
    let server = start();
    let body = r#"{"service":"wa","country":"187"}"#;
    let mut stream = connect(&server);
    write!(
        stream,
        "POST /api/v1/numbers/buy HTTP/1.1\r\nX-API-Key: {DEFAULT_KEY}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    assert_eq!(read_response(&mut stream).0, 200);

    let (a, b) = body.split_at(10);
    write!(
        stream,
        "POST /api/v1/numbers/buy HTTP/1.1\r\nX-API-Key: {DEFAULT_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    )
    .unwrap();
    assert_eq!(read_response(&mut stream).0, 200);

    write!(
        stream,
        "POST /api/v1/numbers/buy HTTP/1.1\r\nX-API-Key: {DEFAULT_KEY}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (status, _, _) = read_response(&mut stream);
    assert_eq!(status, 100);
    stream.write_all(body.as_bytes()).unwrap();
    assert_eq!(read_response(&mut stream).0, 200);
    assert_eq!(server.simulator().lock().unwrap().orders().len(), 3);
}

#[test]
fn query_strings_are_percent_decoded() {
    let server = start();
    let mut stream = connect(&server);
    write!(stream, "GET /api/v1/prices?service=w%61&country=18%37 HTTP/1.1\r\nX-API-Key: {DEFAULT_KEY}\r\n\r\n")
        .unwrap();
    let (status, _, body) = read_response(&mut stream);
    assert_eq!(status, 200);
    assert_eq!(body, r#"[{"service":"wa","country":"187","price":0.18,"stock":42}]"#);
    // The key may travel in the query, encoded.
    let encoded = DEFAULT_KEY.replace('-', "%2D");
    write!(stream, "GET /api/v1/balance?api_key={encoded} HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut stream).0, 200);
}

#[test]
fn oversized_and_malformed_requests_get_4xx_and_close() {
    let server = start();

    let mut stream = connect(&server);
    write!(stream, "POST /api/v1/numbers/buy HTTP/1.1\r\nX-API-Key: {DEFAULT_KEY}\r\nContent-Length: 70000\r\n\r\n")
        .unwrap();
    let (status, head, body) = read_response(&mut stream);
    assert_eq!(status, 413);
    assert!(head.contains("Connection: close"));
    assert_eq!(body, "Payload too large");

    let mut stream = connect(&server);
    write!(stream, "POST /api/v1/numbers/buy HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n").unwrap();
    assert_eq!(read_response(&mut stream).0, 413);

    for garbage in [
        "GARBAGE\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ] {
        let mut stream = connect(&server);
        stream.write_all(garbage.as_bytes()).unwrap();
        assert_eq!(read_response(&mut stream).0, 400, "{garbage:?}");
        assert!(read_to_end(&mut stream).is_empty());
    }

    let mut stream = connect(&server);
    stream.write_all(b"GET / HTTP/2.0\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut stream).0, 505);

    let mut stream = connect(&server);
    let huge = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(40_000));
    let _ = stream.write_all(huge.as_bytes());
    assert_eq!(read_response(&mut stream).0, 431);

    // None of this reached the simulator.
    assert_eq!(server.simulator().lock().unwrap().stats().total, 0);
}

#[test]
fn drop_fault_closes_without_a_byte_and_delay_is_applied() {
    let server = start();
    server.simulator().lock().unwrap().set_faults(FaultState {
        latency_ms: 0,
        next: vec![
            vnum_sim::Fault { kind: FaultKind::Drop, target: None },
            vnum_sim::Fault { kind: FaultKind::Delay { ms: 300 }, target: None },
        ],
    });
    let mut stream = connect(&server);
    write!(stream, "GET /api/v1/balance HTTP/1.1\r\nX-API-Key: {DEFAULT_KEY}\r\n\r\n").unwrap();
    assert!(read_to_end(&mut stream).is_empty(), "a dropped request gets no bytes at all");

    let mut stream = connect(&server);
    let started = Instant::now();
    write!(stream, "GET /api/v1/balance HTTP/1.1\r\nX-API-Key: {DEFAULT_KEY}\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut stream).0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn head_requests_get_no_body() {
    let server = start();
    let mut stream = connect(&server);
    stream.write_all(b"HEAD /nowhere HTTP/1.1\r\n\r\n").unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).unwrap(), 1);
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert!(head.contains("Content-Length: 9\r\n"));
    // The next response follows directly: no body bytes in between.
    stream.write_all(b"GET /nowhere HTTP/1.1\r\n\r\n").unwrap();
    let (status, _, body) = read_response(&mut stream);
    assert_eq!(status, 404);
    assert_eq!(body, "Not found");
}

#[test]
fn http_1_0_closes_after_the_response() {
    let server = start();
    let mut stream = connect(&server);
    stream.write_all(b"GET /api/v1/services HTTP/1.0\r\n\r\n").unwrap();
    let (status, head, _) = read_response(&mut stream);
    assert_eq!(status, 401);
    assert!(head.contains("Connection: close"));
    assert!(read_to_end(&mut stream).is_empty());
}

#[test]
fn dropping_the_handle_stops_accepting() {
    let server = start();
    let addr = server.addr();
    drop(server);
    // The listener is closed: connecting fails, or the connection is closed without an answer.
    if let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
        stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = stream.write_all(b"GET /api/v1/services HTTP/1.1\r\n\r\n");
        assert!(read_to_end(&mut stream).is_empty());
    }
}
