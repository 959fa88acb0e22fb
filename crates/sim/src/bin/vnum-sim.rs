//! `vnum-sim`: the simulated OxgelAPI provider over HTTP on 127.0.0.1.
//!
//! Prints exactly one line, `vnum-sim listening on http://127.0.0.1:PORT`, then serves until killed.

use std::io::Write;
use std::process::ExitCode;

use vnum_sim::server::{DEFAULT_MAX_CONNECTIONS, SimServer};
use vnum_sim::{AccountConfig, DEFAULT_KEY, SimConfig, Simulator};

const USAGE: &str = "\
Usage: vnum-sim [OPTIONS]

Serves a simulated OxgelAPI provider (base path /api/v1, admin API under /__sim/) on 127.0.0.1.

Options:
  --port N                  port to listen on (default 0: pick a free one)
  --seed N                  random seed (default 42)
  --sms-delay-seconds N     seconds until an SMS arrives (default 10)
  --cancel-after-seconds N  seconds before cancel is allowed (default 120)
  --order-ttl-seconds N     seconds until an order expires (default 1200)
  --key K                   API key of the default account (default OXGL-demo-key-0000000000000000)
  --balance B               balance of the default account in dollars (default 10.00)
  --threads N               connections served at once, one thread each (default 64)
  --config FILE             start from a JSON SimConfig; the options above override it
  -h, --help                print this help";

/// Parsed command line.
#[derive(Debug)]
struct Options {
    port: u16,
    threads: usize,
    config: SimConfig,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut port = 0u16;
    let mut threads = DEFAULT_MAX_CONNECTIONS;
    let mut config_file: Option<String> = None;
    let mut seed = None;
    let mut sms_delay = None;
    let mut cancel_after = None;
    let mut ttl = None;
    let mut key = None;
    let mut balance = None;

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => port = number(&flag, &value()?)?,
            "--threads" => threads = number(&flag, &value()?)?,
            "--seed" => seed = Some(number(&flag, &value()?)?),
            "--sms-delay-seconds" => sms_delay = Some(number(&flag, &value()?)?),
            "--cancel-after-seconds" => cancel_after = Some(number(&flag, &value()?)?),
            "--order-ttl-seconds" => ttl = Some(number(&flag, &value()?)?),
            "--key" => key = Some(value()?),
            "--balance" => {
                let text = value()?;
                let amount: f64 = text
                    .parse()
                    .ok()
                    .filter(|b: &f64| b.is_finite() && *b >= 0.0)
                    .ok_or_else(|| format!("--balance: invalid amount {text:?}"))?;
                balance = Some(amount);
            }
            "--config" => config_file = Some(value()?),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }

    let mut config = match config_file {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("--config {path}: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("--config {path}: {e}"))?
        }
        None => SimConfig::default(),
    };
    if let Some(seed) = seed {
        config.seed = seed;
    }
    if let Some(v) = sms_delay {
        config.sms_delay_seconds = v;
    }
    if let Some(v) = cancel_after {
        config.cancel_after_seconds = v;
    }
    if let Some(v) = ttl {
        config.order_ttl_seconds = v;
    }
    if key.is_some() || balance.is_some() {
        if config.accounts.is_empty() {
            config.accounts.push(AccountConfig { key: DEFAULT_KEY.to_owned(), balance: 10.0, banned: false });
        }
        if let Some(first) = config.accounts.first_mut() {
            if let Some(key) = key {
                first.key = key;
            }
            if let Some(balance) = balance {
                first.balance = balance;
            }
        }
    }
    Ok(Some(Options { port, threads, config }))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{flag}: invalid number {text:?}"))
}

#[allow(clippy::print_stdout)]
fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("vnum-sim: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match SimServer::bind(("127.0.0.1", options.port), Simulator::new(options.config)) {
        Ok(server) => server.max_connections(options.threads),
        Err(e) => {
            eprintln!("vnum-sim: cannot listen on 127.0.0.1:{}: {e}", options.port);
            return ExitCode::FAILURE;
        }
    };
    let url = match server.url() {
        Ok(url) => url,
        Err(e) => {
            eprintln!("vnum-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "vnum-sim listening on {url}").and_then(|()| stdout.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vnum-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags() {
        let options = parse(&[
            "--port",
            "8080",
            "--seed=7",
            "--sms-delay-seconds",
            "1",
            "--cancel-after-seconds",
            "5",
            "--order-ttl-seconds",
            "60",
            "--key",
            "OXGL-test",
            "--balance",
            "2.5",
            "--threads",
            "3",
        ])
        .expect("valid")
        .expect("not help");
        assert_eq!(options.port, 8080);
        assert_eq!(options.threads, 3);
        assert_eq!(options.config.seed, 7);
        assert_eq!(options.config.sms_delay_seconds, 1);
        assert_eq!(options.config.cancel_after_seconds, 5);
        assert_eq!(options.config.order_ttl_seconds, 60);
        assert_eq!(options.config.accounts[0].key, "OXGL-test");
        assert!((options.config.accounts[0].balance - 2.5).abs() < f64::EPSILON);
    }

    #[test]
    fn errors_and_help() {
        assert!(parse(&["--help"]).expect("help").is_none());
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--balance", "-1"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--config", "/nonexistent/vnum-sim.json"]).is_err());
        let defaults = parse(&[]).expect("valid").expect("not help");
        assert_eq!(defaults.port, 0);
        assert_eq!(defaults.config, SimConfig::default());
    }
}
