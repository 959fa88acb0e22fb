//! The real `vnum-sim` binary over real HTTP, in each dialect.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const KEY: &str = "OXGL-binary-test-key";

/// Kills the child process when dropped, even when a test panics.
struct Sim {
    child: Child,
    url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vnum-sim"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("vnum-sim starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    // Own the child before reading, so it is killed if anything below panics.
    let mut sim = Sim { child, url: String::new() };
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("reads the first line");
    let url = line
        .trim_end()
        .strip_prefix("vnum-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_ne!(url, "http://127.0.0.1:0");
    sim.url = url.to_owned();
    sim
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

#[test]
fn binary_serves_the_api_over_http() {
    let sim = spawn(&["--key", KEY, "--balance", "2.5", "--sms-delay-seconds", "10", "--seed", "42"]);
    let agent = agent();
    let url = |path: &str| format!("{}{path}", sim.url);

    // 401 without a key, as plain text.
    let mut response = agent.get(url("/api/v1/balance")).call().expect("responds");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.headers().get("content-type").unwrap(), "text/plain; charset=utf-8");
    assert_eq!(response.body_mut().read_to_string().unwrap(), "Missing API key");

    // The key and balance flags took effect.
    let mut response = agent.get(url("/api/v1/balance")).header("X-API-Key", KEY).call().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("content-type").unwrap(), "application/json");
    assert_eq!(response.body_mut().read_json::<Value>().unwrap(), json!({"balance":2.5,"escrow":0.0,"currency":"USD"}));

    // Buy, then wait for the code by moving the simulated clock.
    let mut response = agent
        .post(url("/api/v1/numbers/buy"))
        .header("X-API-Key", KEY)
        .send_json(json!({"service":"wa","country":"187","operator":"any"}))
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let order: Value = response.body_mut().read_json().unwrap();
    assert_eq!(order["cost"], 0.18);
    let id = order["id"].as_str().unwrap().to_owned();
    let status_url = url(&format!("/api/v1/numbers/status?id={id}"));
    let status: Value = agent.get(&status_url).header("X-API-Key", KEY).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(status["status"], "waiting");
    assert_eq!(status["sms_code"], Value::Null);
    assert_eq!(status["phone"], order["phone"]);

    let mut clock = agent.post(url("/__sim/clock")).send_json(json!({"advance_seconds":10})).unwrap();
    assert_eq!(clock.status().as_u16(), 200);
    assert_eq!(clock.body_mut().read_json::<Value>().unwrap()["offset_ms"], 10_000);
    let status: Value = agent.get(&status_url).header("X-API-Key", KEY).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(status["status"], "received");
    let code = status["sms_code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(status["sms_text"].as_str().unwrap().contains(&code[..3]));

    // Cancel is refused after a code, with the provider's text.
    let mut cancel =
        agent.post(url(&format!("/api/v1/numbers/cancel?id={id}"))).header("X-API-Key", KEY).send_empty().unwrap();
    assert_eq!(cancel.status().as_u16(), 409);
    assert_eq!(cancel.body_mut().read_to_string().unwrap(), "Order already received an SMS");

    // A dropped connection: the client sees a transport error, not a response.
    let set = agent.post(url("/__sim/faults")).send_json(json!({"next":[{"kind":"drop"}]})).unwrap();
    assert_eq!(set.status().as_u16(), 200);
    let dropped = agent.get(url("/api/v1/balance")).header("X-API-Key", KEY).call();
    assert!(dropped.is_err(), "expected a connection error, got {:?}", dropped.map(|r| r.status()));
    // The server carries on.
    let mut balance = agent.get(url("/api/v1/balance")).header("X-API-Key", KEY).call().unwrap();
    assert_eq!(
        balance.body_mut().read_json::<Value>().unwrap(),
        json!({"balance":2.32,"escrow":0.18,"currency":"USD"})
    );

    // Stats saw all of it, admin requests excluded.
    let stats: Value = agent.get(url("/__sim/stats")).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(stats["requests"]["balance"], 4);
    assert_eq!(stats["requests"]["buy"], 1);
    assert_eq!(stats["requests"]["status"], 2);
    assert_eq!(stats["requests"]["cancel"], 1);
    assert_eq!(stats["total"], 8);
    assert_eq!(stats["unauthorized"], 1);
    assert_eq!(stats["faults_applied"], 1);
    assert_eq!(stats["statuses"]["drop"], 1);
    assert_eq!(stats["keys_seen"], json!({KEY: 7}));
    assert_eq!(stats["api_key_in_query"], 0);
}

#[test]
fn binary_rejects_bad_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_vnum-sim")).arg("--port").arg("nope").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--port"));
}

#[test]
fn telenumerus_over_http() {
    let sim =
        spawn(&["--dialect", "telenumerus", "--key", "tn-test-key", "--balance", "2", "--sms-delay-seconds", "1"]);
    let agent = agent();
    let url = |path: &str| format!("{}{path}", sim.url);

    let mut health = agent.get(url("/api/v1/health")).call().unwrap();
    assert_eq!(health.body_mut().read_json::<Value>().unwrap(), json!({"status":"ok"}));

    let mut denied = agent.get(url("/api/v1/account?api_key=tn-test-key")).call().unwrap();
    assert_eq!(denied.status().as_u16(), 401);
    assert_eq!(denied.body_mut().read_json::<Value>().unwrap()["error_code"], "INVALID_API_KEY");

    let mut placed = agent
        .post(url("/api/v1/order"))
        .header("Authorization", "Bearer tn-test-key")
        .send_json(json!({"platform": "google", "country": "US"}))
        .unwrap();
    assert_eq!(placed.status().as_u16(), 200);
    let placed: Value = placed.body_mut().read_json().unwrap();
    assert_eq!(placed["expires_in"], 300);
    let status_url = url(placed["check_status"].as_str().unwrap());

    // The SSE stream, read as a client reads it: the code event, then the end.
    let started = Instant::now();
    let mut stream =
        agent.get(url(placed["stream"].as_str().unwrap())).header("X-API-Key", "tn-test-key").call().unwrap();
    assert_eq!(stream.headers().get("content-type").unwrap(), "text/event-stream");
    let events = stream.body_mut().read_to_string().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let status: Value =
        agent.get(&status_url).header("X-API-Key", "tn-test-key").call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(status["status"], "completed");
    let code = status["code"].as_str().unwrap();
    assert_eq!(events, format!("data: {{\"event\":\"code\",\"code\":\"{code}\"}}\n\n"));

    let mut account = agent.get(url("/api/v1/account")).header("X-API-Key", "tn-test-key").call().unwrap();
    assert_eq!(
        account.body_mut().read_json::<Value>().unwrap(),
        json!({"balance":1.5,"currency":"USD","tier":"standard","orders":1})
    );
    let stats: Value = agent.get(url("/__sim/stats")).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(stats["requests"]["order_stream"], 1);
}

#[test]
fn agentotp_over_http() {
    let sim = spawn(&[
        "--dialect=agentotp",
        "--key",
        "ak_binary",
        "--account-token",
        "tok_binary",
        "--number-pool-size",
        "1",
        "--sms-delay-seconds",
        "1",
    ]);
    let agent = agent();
    let url = |path: &str| format!("{}{path}", sim.url);
    let mut rented = agent
        .post(url("/api/v1/numbers/rent"))
        .header("X-API-Key", "ak_binary")
        .send_json(json!({"country": "CA"}))
        .unwrap();
    assert_eq!(rented.status().as_u16(), 200);
    let rented: Value = rented.body_mut().read_json().unwrap();
    let number = rented["data"]["number"].as_str().unwrap().replace('+', "%2B");

    let started = Instant::now();
    let mut otp = agent
        .post(url(&format!("/api/v1/numbers/{number}/wait-for-otp")))
        .header("X-API-Key", "ak_binary")
        .send_json(json!({"timeout_seconds": 30}))
        .unwrap();
    let otp: Value = otp.body_mut().read_json().unwrap();
    assert_eq!(otp["data"]["status"], "received");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

    let mut quota =
        agent.get(url("/api/v1/auth/usage/quota")).header("Authorization", "Bearer tok_binary").call().unwrap();
    assert_eq!(
        quota.body_mut().read_json::<Value>().unwrap(),
        json!({"plan":"pro","limit":200,"used":1,"remaining":199,"has_quota":true})
    );
    // A pool of one: taken.
    let mut none_left = agent
        .post(url("/api/v1/numbers/rent"))
        .header("X-API-Key", "ak_binary")
        .send_json(json!({"country": "CA"}))
        .unwrap();
    assert_eq!(none_left.status().as_u16(), 500);
    assert_eq!(none_left.body_mut().read_json::<Value>().unwrap()["success"], false);
}

#[test]
fn the_usage_names_the_dialects_and_an_unknown_one_is_refused() {
    let help = Command::new(env!("CARGO_BIN_EXE_vnum-sim")).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for word in ["--dialect", "telenumerus", "agentotp", "--account-token"] {
        assert!(text.contains(word), "{word} in {text}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_vnum-sim")).args(["--dialect", "smsfoo"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown dialect"));
}
