//! Held answers over real HTTP through `SimServer`: Agent OTP's `wait-for-otp` long-poll and
//! Telenumerus's SSE stream, woken by the admin API (an injected SMS, a clock move) within a fraction
//! of a second, bounded by their deadlines, and given up when the client goes away.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vnum_sim::server::{ServerHandle, SimServer};
use vnum_sim::{AGENTOTP_DEFAULT_KEY, Dialect, SimConfig, Simulator, TELENUMERUS_DEFAULT_KEY};

/// How soon a held request must answer after the admin API makes it answerable.
const PROMPT: Duration = Duration::from_millis(500);

fn start(dialect: Dialect, f: impl FnOnce(&mut SimConfig)) -> ServerHandle {
    let mut config = SimConfig::for_dialect(dialect);
    f(&mut config);
    SimServer::bind("127.0.0.1:0", Simulator::new(config)).unwrap().spawn().unwrap()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

/// Writes a request with a JSON body (if any).
fn send(stream: &mut TcpStream, method: &str, path: &str, headers: &[(&str, &str)], body: &Value) {
    let body = if body.is_null() { String::new() } else { body.to_string() };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: sim\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
}

/// Reads a response head, up to the blank line.
fn read_head(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).unwrap();
        assert_eq!(n, 1, "closed mid-head: {:?}", String::from_utf8_lossy(&data));
        data.push(byte[0]);
    }
    String::from_utf8(data).unwrap()
}

/// Reads one `Content-Length` response: (status, body as JSON).
fn read_response(stream: &mut TcpStream) -> (u16, Value) {
    let head = read_head(stream);
    let status: u16 = head[9..12].parse().unwrap();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// One request on a fresh connection.
fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let mut stream = connect(addr);
    send(&mut stream, method, path, headers, body);
    read_response(&mut stream)
}

fn admin(addr: SocketAddr, method: &str, path: &str, body: &Value) -> Value {
    let (status, body) = request(addr, method, path, &[], body);
    assert_eq!(status, 200, "{method} {path}: {body}");
    body
}

/// Rents a number in the US; (number, rental id).
fn rent(addr: SocketAddr) -> (String, String) {
    let (status, body) =
        request(addr, "POST", "/api/v1/numbers/rent", &[("X-API-Key", AGENTOTP_DEFAULT_KEY)], &json!({"country":"US"}));
    assert_eq!(status, 200, "{body}");
    (body["data"]["number"].as_str().unwrap().to_owned(), body["data"]["rental_id"].as_str().unwrap().to_owned())
}

/// Reads from an event stream until `text` has arrived; everything read.
fn read_until(stream: &mut TcpStream, text: &str) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains(text) {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "the stream ended before {text:?}: {:?}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8(seen).unwrap()
}

fn read_to_end(stream: &mut TcpStream) -> String {
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    String::from_utf8(rest).unwrap()
}

#[test]
fn a_held_wait_for_otp_answers_an_injected_sms_at_once_and_the_connection_carries_on() {
    let server = start(Dialect::Agentotp, |c| c.sms_delay_seconds = 1_000);
    let addr = server.addr();
    let (number, rental_id) = rent(addr);
    let encoded = number.replace('+', "%2B");

    let waiter = thread::spawn(move || {
        let mut stream = connect(addr);
        let started = Instant::now();
        let path = format!("/api/v1/numbers/{encoded}/wait-for-otp");
        send(&mut stream, "POST", &path, &[("X-API-Key", AGENTOTP_DEFAULT_KEY)], &json!({"timeout_seconds": 30}));
        let (status, body) = read_response(&mut stream);
        let answered_at = Instant::now();
        // Keep-alive: the same connection serves the next request.
        send(
            &mut stream,
            "GET",
            &format!("/api/v1/numbers/{encoded}/messages"),
            &[("X-API-Key", AGENTOTP_DEFAULT_KEY)],
            &Value::Null,
        );
        let (_, listed) = read_response(&mut stream);
        (status, body, started, answered_at, listed)
    });

    thread::sleep(Duration::from_millis(300));
    let injected_at = Instant::now();
    admin(addr, "POST", "/__sim/sms", &json!({"id": rental_id, "from": "Google", "code": "654321"}));
    let (status, body, started, answered_at, listed) = waiter.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["data"]["code"], "654321");
    assert_eq!(body["data"]["from_number"], "Google");
    assert!(injected_at.duration_since(started) >= Duration::from_millis(250), "it was held");
    let delay = answered_at.saturating_duration_since(injected_at);
    assert!(delay < PROMPT, "answered {delay:?} after the SMS");
    assert_eq!(listed["data"][0]["otp_code"], "654321");
}

#[test]
fn a_held_wait_for_otp_times_out_on_time() {
    let server = start(Dialect::Agentotp, |c| c.sms_delay_seconds = 1_000);
    let (number, _) = rent(server.addr());
    let started = Instant::now();
    let (status, body) = request(
        server.addr(),
        "POST",
        &format!("/api/v1/numbers/{number}/wait-for-otp"),
        &[("X-API-Key", AGENTOTP_DEFAULT_KEY)],
        &json!({"timeout_seconds": 1}),
    );
    let elapsed = started.elapsed();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"success":true,"message":"No OTP received","data":{"status":"timeout","wait_time_seconds":1.0}})
    );
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(1) + PROMPT, "{elapsed:?}");
}

#[test]
fn an_admin_clock_move_wakes_a_held_wait() {
    let server = start(Dialect::Agentotp, |_| {});
    let addr = server.addr();
    let (number, _) = rent(addr);
    let waiter = thread::spawn(move || {
        let answer = request(
            addr,
            "POST",
            &format!("/api/v1/numbers/{number}/wait-for-otp"),
            &[("X-API-Key", AGENTOTP_DEFAULT_KEY)],
            &json!({"timeout_seconds": 60}),
        );
        (answer, Instant::now())
    });
    thread::sleep(Duration::from_millis(300));
    let moved_at = Instant::now();
    admin(addr, "POST", "/__sim/clock", &json!({"advance_seconds": 10}));
    let ((status, body), answered_at) = waiter.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "received");
    assert_eq!(body["data"]["from_number"], "+15551234567");
    assert!(answered_at.saturating_duration_since(moved_at) < PROMPT);
}

fn place_order(addr: SocketAddr) -> String {
    let (status, body) = request(
        addr,
        "POST",
        "/api/v1/order",
        &[("X-API-Key", TELENUMERUS_DEFAULT_KEY)],
        &json!({"platform":"google"}),
    );
    assert_eq!(status, 200, "{body}");
    body["order_id"].as_str().unwrap().to_owned()
}

fn open_stream(addr: SocketAddr, id: &str) -> (TcpStream, String) {
    let mut stream = connect(addr);
    let bearer = format!("Bearer {TELENUMERUS_DEFAULT_KEY}");
    send(&mut stream, "GET", &format!("/api/v1/order/{id}/stream"), &[("Authorization", &bearer)], &Value::Null);
    let head = read_head(&mut stream);
    (stream, head)
}

#[test]
fn the_sse_stream_keeps_alive_and_sends_the_code_as_it_arrives() {
    let server = start(Dialect::Telenumerus, |c| c.sms_delay_seconds = 1_000);
    let addr = server.addr();
    let id = place_order(addr);
    let (mut stream, head) = open_stream(addr, &id);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Type: text/event-stream\r\n"), "{head}");
    assert!(head.contains("Cache-Control: no-cache\r\n"), "{head}");
    assert!(head.contains("Connection: close\r\n"), "{head}");
    assert!(!head.contains("Content-Length"), "{head}");

    // Fifteen simulated seconds: a keep-alive comment.
    admin(addr, "POST", "/__sim/clock", &json!({"advance_seconds": 15}));
    let moved_at = Instant::now();
    assert_eq!(read_until(&mut stream, "\n\n"), ": keep-alive\n\n");
    assert!(moved_at.elapsed() < PROMPT);

    // The code, as soon as the SMS arrives; then the stream ends.
    admin(addr, "POST", "/__sim/sms", &json!({"id": id, "code": "847291"}));
    let injected_at = Instant::now();
    let event = read_until(&mut stream, "\n\n");
    assert!(injected_at.elapsed() < PROMPT);
    assert_eq!(event, "data: {\"event\":\"code\",\"code\":\"847291\"}\n\n");
    assert_eq!(read_to_end(&mut stream), "", "closed after the code");
}

#[test]
fn the_sse_stream_ends_when_its_order_expires() {
    let server = start(Dialect::Telenumerus, |c| c.sms_delay_seconds = 1_000);
    let addr = server.addr();
    let id = place_order(addr);
    let (mut stream, _) = open_stream(addr, &id);
    admin(addr, "POST", "/__sim/clock", &json!({"advance_seconds": 300}));
    let rest = read_to_end(&mut stream);
    assert!(rest.ends_with("data: {\"event\":\"expired\"}\n\n"), "{rest:?}");
}

#[test]
fn a_client_that_goes_away_frees_its_connection() {
    // One connection at a time: a held request that outlived its client would block the next one.
    let mut config = SimConfig::for_dialect(Dialect::Agentotp);
    config.sms_delay_seconds = 1_000;
    let server = SimServer::bind("127.0.0.1:0", Simulator::new(config)).unwrap().max_connections(1).spawn().unwrap();
    let addr = server.addr();
    let (number, _) = rent(addr);
    let mut waiting = connect(addr);
    send(
        &mut waiting,
        "POST",
        &format!("/api/v1/numbers/{number}/wait-for-otp"),
        &[("X-API-Key", AGENTOTP_DEFAULT_KEY)],
        &json!({"timeout_seconds": 20}),
    );
    thread::sleep(Duration::from_millis(200));
    drop(waiting);
    let started = Instant::now();
    let (status, _) = request(addr, "GET", "/api/v1/auth/usage/quota", &[("Authorization", "Bearer x")], &Value::Null);
    assert_eq!(status, 401);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

    // The same for a stream.
    let server = start(Dialect::Telenumerus, |c| c.sms_delay_seconds = 1_000);
    let addr = server.addr();
    let id = place_order(addr);
    let (stream, _) = open_stream(addr, &id);
    drop(stream);
    thread::sleep(Duration::from_millis(200));
    // The server goes on serving, and the order is untouched.
    let (status, body) =
        request(addr, "GET", &format!("/api/v1/order/{id}"), &[("X-API-Key", TELENUMERUS_DEFAULT_KEY)], &Value::Null);
    assert_eq!((status, body["status"].as_str()), (200, Some("pending")));
}
