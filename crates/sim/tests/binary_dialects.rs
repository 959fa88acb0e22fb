//! The real `vnum-sim` binary speaking the Telenumerus and Agent OTP dialects over real HTTP.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

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
    let mut sim = Sim { child, url: String::new() };
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("reads the first line");
    let url = line
        .trim_end()
        .strip_prefix("vnum-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
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
