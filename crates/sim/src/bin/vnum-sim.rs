//! `vnum-sim`: a simulated provider (OxgelAPI, Telenumerus or Agent OTP) over HTTP on 127.0.0.1.
//!
//! Prints exactly one line, `vnum-sim listening on http://127.0.0.1:PORT`, then serves until killed.

use std::io::Write;
use std::process::ExitCode;

use vnum_sim::server::{DEFAULT_MAX_CONNECTIONS, SimServer};
use vnum_sim::{AccountConfig, Dialect, SimConfig, Simulator};

const USAGE: &str = "\
Usage: vnum-sim [OPTIONS]

Serves a simulated virtual-number provider (base path /api/v1, admin API under /__sim/) on
127.0.0.1, speaking one provider's dialect.

Options:
  --dialect NAME             oxgel (default), telenumerus or agentotp
  --port N                   port to listen on (default 0: pick a free one)
  --seed N                   random seed (default 42)
  --sms-delay-seconds N      seconds until an SMS arrives (default 10)
  --cancel-after-seconds N   oxgel: seconds before cancel is allowed (default 120)
  --order-ttl-seconds N      seconds until an order expires; agentotp: the default rental length
                             (default: oxgel 1200, telenumerus 300, agentotp 300)
  --key K                    API key of the default account (default: oxgel
                             OXGL-demo-key-0000000000000000, telenumerus
                             tn_demo_key_00000000000000000000, agentotp
                             ak_demo_key_00000000000000000000)
  --account-token T          agentotp: Bearer token of the default account's account API
                             (default agentotp_demo_token_000000000000)
  --balance B                balance of the default account in dollars (default 10.00)
  --rate-limit-per-minute N  telenumerus: requests per key in any minute (default 120; 0: no limit)
  --number-pool-size N       agentotp: numbers per country (default 20)
  --threads N                connections served at once, one thread each (default 64)
  --config FILE              start from a JSON SimConfig; the options above override it
  -h, --help                 print this help";

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
    let mut dialect: Option<Dialect> = None;
    let mut account_token = None;
    let mut rate_limit = None;
    let mut pool_size = None;

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
            "--dialect" => {
                let name = value()?;
                dialect = Some(name.parse().map_err(|e| format!("--dialect: {e}"))?);
            }
            "--account-token" => account_token = Some(value()?),
            "--rate-limit-per-minute" => rate_limit = Some(number(&flag, &value()?)?),
            "--number-pool-size" => pool_size = Some(number(&flag, &value()?)?),
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
            let mut value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("--config {path}: {e}"))?;
            // The dialect chosen on the command line picks the defaults of what the file leaves out.
            if let (Some(dialect), Some(object)) = (dialect, value.as_object_mut()) {
                object.insert("dialect".to_owned(), serde_json::Value::from(dialect.as_str()));
            }
            serde_json::from_value(value).map_err(|e| format!("--config {path}: {e}"))?
        }
        None => SimConfig::for_dialect(dialect.unwrap_or_default()),
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
    if let Some(v) = rate_limit {
        config.rate_limit_per_minute = v;
    }
    if let Some(v) = pool_size {
        config.number_pool_size = v;
    }
    if key.is_some() || balance.is_some() || account_token.is_some() {
        if config.accounts.is_empty() {
            let key = config.dialect.default_key().to_owned();
            config.accounts.push(AccountConfig { key, balance: 10.0, banned: false });
        }
        if let Some(first) = config.accounts.first_mut() {
            if let Some(key) = key {
                // The account keeps its token under its new key.
                if let Some(token) = config.account_tokens.remove(&first.key) {
                    config.account_tokens.insert(key.clone(), token);
                }
                first.key = key;
            }
            if let Some(balance) = balance {
                first.balance = balance;
            }
            if let Some(token) = account_token {
                config.account_tokens.insert(first.key.clone(), token);
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
    fn dialects_and_their_defaults() {
        let telenumerus =
            parse(&["--dialect", "telenumerus", "--rate-limit-per-minute", "5"]).expect("valid").expect("not help");
        assert_eq!(telenumerus.config.dialect, Dialect::Telenumerus);
        assert_eq!(telenumerus.config.order_ttl_seconds, 300);
        assert_eq!(telenumerus.config.rate_limit_per_minute, 5);
        assert_eq!(telenumerus.config.accounts[0].key, Dialect::Telenumerus.default_key());

        let agentotp =
            parse(&["--dialect=agentotp", "--key", "ak_mine", "--account-token", "tok", "--number-pool-size", "1"])
                .expect("valid")
                .expect("not help");
        assert_eq!(agentotp.config.dialect, Dialect::Agentotp);
        assert_eq!(agentotp.config.accounts[0].key, "ak_mine");
        assert_eq!(agentotp.config.account_tokens.get("ak_mine").map(String::as_str), Some("tok"));
        assert_eq!(agentotp.config.account_tokens.len(), 1);
        assert_eq!(agentotp.config.number_pool_size, 1);

        // --key alone keeps the default token, under the new key.
        let renamed = parse(&["--dialect", "agentotp", "--key", "ak_x"]).expect("valid").expect("not help");
        assert_eq!(
            renamed.config.account_tokens.get("ak_x").map(String::as_str),
            Some(vnum_sim::AGENTOTP_DEFAULT_TOKEN)
        );
        // The TTL flag works in every dialect.
        let ttl = parse(&["--dialect", "agentotp", "--order-ttl-seconds", "60"]).expect("valid").expect("not help");
        assert_eq!(ttl.config.order_ttl_seconds, 60);
        assert!(parse(&["--dialect", "nope"]).is_err());
    }

    #[test]
    fn a_config_file_takes_the_dialect_of_the_command_line() {
        let path = std::env::temp_dir().join(format!("vnum-sim-config-{}.json", std::process::id()));
        std::fs::write(&path, r#"{"seed":9}"#).expect("writes");
        let path_text = path.to_string_lossy().into_owned();
        let options = parse(&["--config", &path_text, "--dialect", "telenumerus"]).expect("valid").expect("not help");
        let _ = std::fs::remove_file(&path);
        assert_eq!(options.config.seed, 9);
        assert_eq!(options.config.dialect, Dialect::Telenumerus);
        assert_eq!(options.config.order_ttl_seconds, 300);
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
