//! The demo provider: the `vnum-sim` simulator inside a Durable Object, so the whole product runs with
//! no key, no money and no internet. Its state is kept in the object's storage across requests and
//! restarts.

use std::cell::RefCell;
use std::time::Duration;

use vnum_sim::{Outcome, SimConfig, SimRequest, Simulator};
use worker::{Date, Delay, DurableObject, Env, Headers, Request, Response, Result, State, durable_object};

const STATE_KEY: &str = "simulator";

/// The Durable Object class hosting the simulator.
#[durable_object]
pub struct DemoProvider {
    state: State,
    env: Env,
    simulator: RefCell<Option<Simulator>>,
}

impl std::fmt::Debug for DemoProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoProvider").finish_non_exhaustive()
    }
}

impl DemoProvider {
    fn config(&self) -> SimConfig {
        let seconds = |name: &str| self.env.var(name).ok().and_then(|v| v.to_string().trim().parse::<u64>().ok());
        let mut config = SimConfig::default();
        if let Some(delay) = seconds("DEMO_SMS_DELAY_SECONDS") {
            config.sms_delay_seconds = delay;
        }
        if let Some(cancel_after) = seconds("CANCEL_AFTER_SECONDS") {
            config.cancel_after_seconds = cancel_after;
        }
        config
    }

    async fn load(&self) -> Result<()> {
        if self.simulator.borrow().is_some() {
            return Ok(());
        }
        let stored: Option<String> = self.state.storage().get(STATE_KEY).await?;
        let simulator = match stored.and_then(|json| serde_json::from_str(&json).ok()) {
            Some(simulator) => simulator,
            None => Simulator::new(self.config()),
        };
        self.simulator.replace(Some(simulator));
        Ok(())
    }
}

impl DurableObject for DemoProvider {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, simulator: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let raw_url = req.inner().url();
        let url =
            vnum_protocol::http::UrlParts::split(&raw_url).ok_or_else(|| worker::Error::RustError("bad url".into()))?;
        let request = SimRequest {
            method: req.method().to_string(),
            path: url.path.to_owned(),
            query: vnum_protocol::http::parse_query(url.query),
            headers: req.headers().entries().collect(),
            body: req.bytes().await.unwrap_or_default(),
        };
        self.load().await?;
        let (answer, snapshot) = {
            let mut guard = self.simulator.borrow_mut();
            let Some(simulator) = guard.as_mut() else {
                return Response::error("demo provider not loaded", 500);
            };
            let answer = simulator.handle(Date::now().as_millis(), &request);
            (answer, serde_json::to_string(simulator).map_err(|e| worker::Error::RustError(e.to_string()))?)
        };
        self.state.storage().put(STATE_KEY, snapshot).await?;
        if answer.delay_ms > 0 {
            Delay::from(Duration::from_millis(answer.delay_ms)).await;
        }
        match answer.outcome {
            Outcome::Respond { status, headers, body } => {
                let out = Headers::new();
                for (name, value) in &headers {
                    out.set(name, value)?;
                }
                Ok(Response::from_bytes(body)?.with_status(status).with_headers(out))
            }
            Outcome::Drop => Err(worker::Error::RustError("connection dropped".to_owned())),
        }
    }
}
