//! [`Client`]: every operation of the v1 contract, against the vnum proxy or straight against OxgelAPI.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use vnum_protocol::api::{
    ActionResponse, Balance, BoughtNumber, BuyRequest, Country, Health, OrderStatus, OrderView, OrdersResponse, Price,
    Service, StatusResponse,
};
use vnum_protocol::contract::{self, Route};
use vnum_protocol::dialect::{self, Dialect, OrderRef, Oxgel};
use vnum_protocol::http::{HttpRequest, HttpResponse, Secret};
use vnum_protocol::validate::{CountryCode, IdempotencyKey, OrderId, ServiceCode};
use vnum_protocol::{ApiError, ErrorCode, Timestamp};

use crate::Error;
use crate::transport::{Fetch, Transport, race};
use crate::waiting::{Ask, GiveUp, Next, Pace, Until, Waiting};

/// How long one request may take by default before it fails with `TIMEOUT`.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// The longest long-poll (`GET /numbers/wait`) the proxy serves: the contract's.
pub const MAX_WAIT_SECONDS: u32 = contract::WAIT_MAX_SECONDS;

/// How a [`Client`] is set up.
#[derive(Clone, Default)]
pub struct Options {
    /// The API root: the proxy's `https://…/api/v1`, or with `api_key` the provider's (default
    /// OxgelAPI's `https://oxgelapi.com/api/v1`).
    pub base_url: Option<String>,
    /// A bearer token of the proxy (`ACCESS_TOKENS`); none for a proxy with `AUTH_MODE=none`.
    pub token: Option<String>,
    /// An OxgelAPI key: talk to the provider directly. Server side only (Node, Workers): never ship a
    /// key to a browser.
    pub api_key: Option<String>,
    /// How long one request may take (default [`DEFAULT_REQUEST_TIMEOUT_MS`]).
    pub request_timeout_ms: Option<u64>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("request_timeout_ms", &self.request_timeout_ms)
            .finish()
    }
}

/// How [`Client::wait_for_code`] waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOptions {
    /// Pause between two status requests (default 4000 ms, the providers' advice).
    pub interval_ms: u64,
    /// Give up with `TIMEOUT` after this long (default 300 000 ms: 5 minutes).
    pub timeout_ms: u64,
    /// Use the proxy's long-poll `GET /numbers/wait` when it offers it (default true); otherwise, and
    /// against a proxy without it, poll `GET /numbers/status` every `interval_ms`.
    pub long_poll: bool,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self { interval_ms: u64::from(contract::STATUS_POLL_SECONDS) * 1000, timeout_ms: 300_000, long_poll: true }
    }
}

/// What [`Client::wait_for_code`] resolves with.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// The one-time code, e.g. `482913`.
    pub code: String,
    /// The whole message, when known.
    pub text: Option<String>,
    /// The status answer that carried the code.
    pub status: StatusResponse,
}

#[derive(Debug, Clone)]
enum Backend {
    /// The vnum proxy, with the `Authorization` header value if any.
    Proxy { authorization: Option<Secret> },
    /// OxgelAPI itself, with the key.
    #[cfg(feature = "direct")]
    Oxgel(Oxgel),
}

#[derive(Debug)]
struct Inner<T> {
    base_url: String,
    backend: Backend,
    transport: T,
    request_timeout_ms: u64,
    /// Whether the proxy serves `/numbers/wait`: unknown until asked.
    wait_offered: Cell<Option<bool>>,
}

/// The vnum HTTP client. Cheap to clone (the clones share one connection setup); single-threaded
/// (wasm32), so its futures are not `Send`: in Leptos use `LocalResource`, `Action::new_local` or
/// `spawn_local`.
///
/// Dropping a future of the client cancels it: an in-flight request is aborted, a timer cleared.
#[derive(Debug)]
pub struct Client<T = Fetch> {
    inner: Rc<Inner<T>>,
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Self { inner: Rc::clone(&self.inner) }
    }
}

impl Client<Fetch> {
    /// A client of the proxy at `base_url` (`https://…/api/v1`) without a token.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        Self::from_options(Options { base_url: Some(base_url.to_owned()), ..Options::default() })
    }

    /// A client of the proxy at `base_url` that sends `Authorization: Bearer <token>`.
    pub fn with_token(base_url: &str, token: &str) -> Result<Self, Error> {
        Self::from_options(Options {
            base_url: Some(base_url.to_owned()),
            token: Some(token.to_owned()),
            ..Options::default()
        })
    }

    /// A client over the global `fetch`.
    pub fn from_options(options: Options) -> Result<Self, Error> {
        Self::with_transport(options, Fetch::new())
    }
}

/// The three characters a header value must not contain, plus any other control character.
fn header_safe(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.len() > 4096 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(field, "must be 1 to 4096 printable ASCII characters without spaces").into());
    }
    Ok(())
}

fn base_url(text: &str) -> Result<String, Error> {
    let text = text.trim().trim_end_matches('/');
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !text.contains(['?', '#', ' ']) => Ok(text.to_owned()),
        _ => {
            Err(ApiError::invalid("baseUrl", "must be an http:// or https:// URL such as https://proxy.example/api/v1")
                .into())
        }
    }
}

/// One operation of the contract, with its validated inputs.
enum Op<'a> {
    Health,
    Balance,
    Services,
    Countries,
    Prices(Option<&'a ServiceCode>, Option<&'a CountryCode>),
    Buy(&'a BuyRequest, Option<&'a IdempotencyKey>),
    Status(&'a OrderId),
    Cancel(&'a OrderId),
    Finish(&'a OrderId),
    Another(&'a OrderId),
    Orders,
    Wait(&'a OrderId, u32),
}

impl Op<'_> {
    /// The route of the contract it is.
    fn route(&self) -> Route {
        match self {
            Op::Health => Route::Health,
            Op::Balance => Route::Balance,
            Op::Services => Route::Services,
            Op::Countries => Route::Countries,
            Op::Prices(..) => Route::Prices,
            Op::Buy(..) => Route::Buy,
            Op::Status(_) => Route::Status,
            Op::Cancel(_) => Route::Cancel,
            Op::Finish(_) => Route::Finish,
            Op::Another(_) => Route::Another,
            Op::Orders => Route::Orders,
            Op::Wait(..) => Route::Wait,
        }
    }

    /// The request to the vnum proxy: method and path from the contract, then the inputs.
    fn proxy_request(&self) -> HttpRequest {
        let spec = contract::spec(self.route());
        let request = HttpRequest::new(spec.method, spec.path);
        match self {
            Op::Health | Op::Balance | Op::Services | Op::Countries | Op::Orders => request,
            Op::Prices(service, country) => {
                let mut request = request;
                if let Some(service) = service {
                    request = request.query("service", service.as_str());
                }
                if let Some(country) = country {
                    request = request.query("country", country.as_str());
                }
                request
            }
            Op::Buy(body, key) => {
                let request = request.json(body);
                match key {
                    Some(key) => request.header("Idempotency-Key", key.as_str()),
                    None => request,
                }
            }
            Op::Status(id) | Op::Cancel(id) | Op::Finish(id) | Op::Another(id) => request.query("id", id.as_str()),
            Op::Wait(id, seconds) => request.query("id", id.as_str()).query("timeout", &seconds.to_string()),
        }
    }

    /// The request to OxgelAPI; what it does not offer is `NOT_SUPPORTED`, and nothing is sent.
    #[cfg(feature = "direct")]
    fn oxgel_request(&self, dialect: &Oxgel) -> Result<HttpRequest, ApiError> {
        let unsupported = |operation: &str| ApiError::NotSupported {
            provider: "oxgel".to_owned(),
            operation: format!("{operation} (it is a feature of the vnum proxy)"),
        };
        // OxgelAPI asks for every operation it offers, and addresses orders by id alone.
        fn sent<T>(ask: Result<dialect::Ask<T>, ApiError>) -> Result<HttpRequest, ApiError> {
            match ask? {
                dialect::Ask::Send(request) => Ok(request),
                dialect::Ask::Known(_) => Err(ApiError::Internal { reason: "OxgelAPI always asks".to_owned() }),
            }
        }
        match self {
            Op::Health => Err(unsupported("health")),
            Op::Balance => sent(dialect.balance()),
            Op::Services => sent(dialect.services()),
            Op::Countries => sent(dialect.countries()),
            Op::Prices(service, country) => sent(dialect.prices(*service, *country)),
            Op::Buy(body, key) => dialect.buy(body, *key),
            Op::Status(id) => dialect.status(&by_id(id)),
            Op::Cancel(id) => dialect.cancel(&by_id(id)),
            Op::Finish(id) => sent(dialect.finish(&by_id(id))),
            Op::Another(id) => dialect.another(&by_id(id)),
            Op::Orders => Err(unsupported("orders")),
            Op::Wait(..) => Err(unsupported("wait")),
        }
    }

    /// The route's path, when it came after the first version of the proxy (which may not offer it).
    fn newer_route(&self) -> Option<&'static str> {
        matches!(self, Op::Orders | Op::Wait(..)).then(|| contract::spec(self.route()).path)
    }
}

/// An order as OxgelAPI (and the proxy, which speaks its dialect) addresses it: by its id.
fn by_id(id: &OrderId) -> OrderRef<'_> {
    OrderRef { id, service: "", phone: "", rented_at: None }
}

impl<T: Transport> Client<T> {
    /// A client over another transport (tests, other hosts).
    pub fn with_transport(options: Options, transport: T) -> Result<Self, Error> {
        let backend = match (&options.token, &options.api_key) {
            (Some(_), Some(_)) => {
                return Err(
                    ApiError::invalid("apiKey", "give either a proxy token or a provider apiKey, not both").into()
                );
            }
            #[cfg(feature = "direct")]
            (_, Some(key)) => {
                header_safe("apiKey", key)?;
                Backend::Oxgel(Oxgel::new(Secret::new(key.as_str())))
            }
            #[cfg(not(feature = "direct"))]
            (_, Some(_)) => {
                return Err(ApiError::invalid(
                    "apiKey",
                    "this build of vnum-client talks only to the vnum proxy (the `direct` feature is off)",
                )
                .into());
            }
            (Some(token), None) => {
                header_safe("token", token)?;
                Backend::Proxy { authorization: Some(Secret::new(format!("Bearer {token}"))) }
            }
            (None, None) => Backend::Proxy { authorization: None },
        };
        let base_url = match (&options.base_url, &backend) {
            (Some(url), _) => base_url(url)?,
            #[cfg(feature = "direct")]
            (None, Backend::Oxgel(_)) => vnum_protocol::dialect::oxgel::DEFAULT_BASE_URL.to_owned(),
            (None, Backend::Proxy { .. }) => {
                return Err(ApiError::invalid(
                    "baseUrl",
                    "is required: the proxy's API root, e.g. https://proxy.example/api/v1",
                )
                .into());
            }
        };
        let request_timeout_ms = options.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS);
        if request_timeout_ms == 0 {
            return Err(ApiError::invalid("timeoutMs", "must be above 0").into());
        }
        let client = Self {
            inner: Rc::new(Inner { base_url, backend, transport, request_timeout_ms, wait_offered: Cell::new(None) }),
        };
        if client.is_direct() {
            client.inner.wait_offered.set(Some(false));
        }
        Ok(client)
    }

    /// The API root requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Whether this client talks to the provider directly with an API key rather than to the proxy.
    pub fn is_direct(&self) -> bool {
        match self.inner.backend {
            #[cfg(feature = "direct")]
            Backend::Oxgel(_) => true,
            Backend::Proxy { .. } => false,
        }
    }

    /// The transport, e.g. for its clock.
    pub fn transport(&self) -> &T {
        &self.inner.transport
    }

    /// Sends one request, failing with `TIMEOUT` after `timeout_ms`.
    async fn send(&self, request: &HttpRequest, timeout_ms: u64) -> Result<HttpResponse, Error> {
        let url = request.url(&self.inner.base_url);
        let transport = &self.inner.transport;
        race(transport.send(&url, request), async {
            transport.sleep(timeout_ms).await;
            Err(Error::request_timeout(timeout_ms))
        })
        .await
    }

    /// Sends one operation and reads the whole answer. Not generic, so the request path is compiled
    /// once however many answer types there are. From the proxy only a success comes back (its error
    /// answers become [`Error`]s here); OxgelAPI's answers all come back for its dialect to read.
    async fn exchange(&self, op: &Op<'_>) -> Result<HttpResponse, Error> {
        let timeout_ms = match op {
            Op::Wait(_, seconds) => u64::from(*seconds) * 1000 + self.inner.request_timeout_ms,
            _ => self.inner.request_timeout_ms,
        };
        let authorization = match &self.inner.backend {
            Backend::Proxy { authorization } => authorization,
            #[cfg(feature = "direct")]
            Backend::Oxgel(dialect) => {
                let request = op.oxgel_request(dialect)?;
                return self.send(&request, timeout_ms).await;
            }
        };
        let mut request = op.proxy_request().header("Accept", "application/json");
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization.expose());
        }
        let response = self.send(&request, timeout_ms).await?;
        if response.is_success() {
            return Ok(response);
        }
        let error = Error::from_response(&response);
        Err(match (error.is_route_not_found(), op.newer_route()) {
            // A proxy from before this route: not offered (yet).
            (true, Some(path)) => Error {
                code: ErrorCode::NotSupported,
                message: format!("this vnum proxy does not offer {path} yet"),
                retryable: false,
                ..error
            },
            (true, None) => Error {
                message: format!(
                    "{} (is {} the proxy's API root, ending in /api/v1?)",
                    error.message, self.inner.base_url
                ),
                ..error
            },
            (false, _) => error,
        })
    }

    /// Runs one operation: the proxy's JSON answer is read with serde, OxgelAPI's with `parse` (which
    /// without the `direct` feature is never called, so the dialect is not compiled in).
    async fn run<R: DeserializeOwned>(
        &self,
        op: Op<'_>,
        #[cfg_attr(not(feature = "direct"), allow(unused_variables))] parse: impl FnOnce(
            &Oxgel,
            &HttpResponse,
        ) -> Result<R, ApiError>,
    ) -> Result<R, Error> {
        let response = self.exchange(&op).await?;
        #[cfg(feature = "direct")]
        if let Backend::Oxgel(dialect) = &self.inner.backend {
            return parse(dialect, &response).map_err(|error| Error::from_provider(error, response.status));
        }
        serde_json::from_slice(&response.body).map_err(|e| Error::unreadable(&e, response.status))
    }

    /// `GET /health`: whether the proxy is configured, and which provider serves (proxy only).
    pub async fn health(&self) -> Result<Health, Error> {
        self.run(Op::Health, |_, _| Err(ApiError::Internal { reason: "unreachable".to_owned() })).await
    }

    /// `GET /balance`.
    pub async fn balance(&self) -> Result<Balance, Error> {
        self.run(Op::Balance, |d, r| d.parse_balance(r)).await
    }

    /// `GET /services`.
    pub async fn services(&self) -> Result<Vec<Service>, Error> {
        self.run(Op::Services, |d, r| d.parse_services(r)).await
    }

    /// `GET /countries`.
    pub async fn countries(&self) -> Result<Vec<Country>, Error> {
        self.run(Op::Countries, |d, r| d.parse_countries(r)).await
    }

    /// `GET /prices`, optionally for one service and/or country.
    pub async fn prices(&self, service: Option<&str>, country: Option<&str>) -> Result<Vec<Price>, Error> {
        let service = service.map(ServiceCode::parse).transpose()?;
        let country = country.map(CountryCode::parse).transpose()?;
        // The proxy answers a list; some providers answer one object for one pair.
        self.run(Op::Prices(service.as_ref(), country.as_ref()), |d, r| d.parse_prices(r, None, None)).await
    }

    /// `POST /numbers/buy`. With an idempotency key, a retry of the same purchase returns the same
    /// order and charges once (the proxy keeps the key; OxgelAPI itself has none, so it is not sent there).
    pub async fn buy(&self, request: &BuyRequest, idempotency_key: Option<&str>) -> Result<BoughtNumber, Error> {
        let key = idempotency_key.map(IdempotencyKey::parse).transpose()?;
        let now = Timestamp::from_millis(self.inner.transport.now_millis());
        self.run(Op::Buy(request, key.as_ref()), |d, r| d.parse_buy(r, now)).await
    }

    /// `GET /numbers/status`.
    pub async fn status(&self, id: &str) -> Result<StatusResponse, Error> {
        let id = OrderId::parse(id)?;
        self.run(Op::Status(&id), |d, r| d.parse_status(r, &by_id(&id))).await
    }

    /// `POST /numbers/cancel`: refunds; refused (`CANCEL_TOO_EARLY`) in the first 2 minutes.
    pub async fn cancel(&self, id: &str) -> Result<ActionResponse, Error> {
        let id = OrderId::parse(id)?;
        self.run(Op::Cancel(&id), |d, r| d.parse_cancel(r)).await
    }

    /// `POST /numbers/finish`: the code was used; the order is paid.
    pub async fn finish(&self, id: &str) -> Result<ActionResponse, Error> {
        let id = OrderId::parse(id)?;
        self.run(Op::Finish(&id), |d, r| d.parse_finish(r)).await
    }

    /// `POST /numbers/another`: asks for another SMS to the same number.
    pub async fn another(&self, id: &str) -> Result<ActionResponse, Error> {
        let id = OrderId::parse(id)?;
        self.run(Op::Another(&id), |d, r| d.parse_another(r)).await
    }

    /// `GET /orders`: the caller's orders, newest first. `NOT_SUPPORTED` from a proxy that does not offer
    /// it yet, and with an API key (the provider keeps no such list).
    pub async fn orders(&self) -> Result<Vec<OrderView>, Error> {
        let unreachable = |_: &Oxgel, _: &HttpResponse| Err(ApiError::Internal { reason: "unreachable".to_owned() });
        self.run::<OrdersResponse>(Op::Orders, unreachable).await.map(|r| r.orders)
    }

    /// `GET /numbers/wait`: one long-poll of at most `timeout_seconds` (1 to 60) that answers as soon as
    /// the order leaves `waiting`, or its status at the timeout. `NOT_SUPPORTED` where not offered;
    /// [`Client::wait_for_code`] then polls instead.
    pub async fn wait(&self, id: &str, timeout_seconds: u32) -> Result<StatusResponse, Error> {
        let id = OrderId::parse(id)?;
        if !(1..=MAX_WAIT_SECONDS).contains(&timeout_seconds) {
            return Err(ApiError::invalid("timeout", "must be 1 to 60 seconds").into());
        }
        let result = self.run(Op::Wait(&id, timeout_seconds), |d, r| d.parse_status(r, &by_id(&id))).await;
        match &result {
            Err(error) if error.code == ErrorCode::NotSupported => self.inner.wait_offered.set(Some(false)),
            Ok(_) => self.inner.wait_offered.set(Some(true)),
            Err(_) => {}
        }
        result
    }

    /// Waits until the order's code arrives and resolves with it.
    ///
    /// Asks for the current status first, then prefers the proxy's long-poll (`/numbers/wait`), falling
    /// back to polling `/numbers/status` every `interval_ms` where it is not offered. Calls `on_status`
    /// with the current status and on each change (of status or code). Retryable failures (network, 5xx, `RATE_LIMITED`) are retried, after
    /// `retry_after_seconds` when the answer gives it, else after `interval_ms`; other errors end the wait.
    /// Fails with `ORDER_CLOSED` when the order is cancelled or expired (or finished without a code), and
    /// with `TIMEOUT` after `timeout_ms`. Drop the future to stop waiting.
    pub async fn wait_for_code(
        &self,
        id: &str,
        options: &WaitOptions,
        mut on_status: impl FnMut(&StatusResponse),
    ) -> Result<Code, Error> {
        let id = OrderId::parse(id)?;
        if options.interval_ms == 0 {
            return Err(ApiError::invalid("intervalMs", "must be above 0").into());
        }
        let transport = &self.inner.transport;
        let deadline = transport.now_millis().saturating_add(options.timeout_ms);
        let waiting = self.wait_loop(&id, options, deadline, &mut on_status);
        let timeout_ms = options.timeout_ms;
        race(waiting, async move {
            transport.sleep(timeout_ms).await;
            Err(ApiError::Timeout { waited_seconds: timeout_ms.div_ceil(1000) }.into())
        })
        .await
    }

    async fn wait_loop(
        &self,
        id: &OrderId,
        options: &WaitOptions,
        deadline: u64,
        on_status: &mut impl FnMut(&StatusResponse),
    ) -> Result<Code, Error> {
        let transport = &self.inner.transport;
        let long_poll = options.long_poll && self.inner.wait_offered.get() != Some(false);
        // A program waits for the code, and stops on what retrying will not fix; its retries keep the
        // interval's pace.
        let pace = Pace {
            interval_ms: options.interval_ms,
            retry_base_ms: options.interval_ms,
            retry_max_ms: options.interval_ms,
        };
        let mut waiting = Waiting::new(Until::Code, GiveUp::WhenNotRetryable, pace, long_poll);
        let mut last_seen: Option<(OrderStatus, Option<String>)> = None;
        let mut ask = waiting.first();
        loop {
            let asked_at = transport.now_millis();
            let answer = match ask {
                Ask::LongPoll => {
                    let left_seconds = deadline.saturating_sub(asked_at).div_ceil(1000);
                    let seconds = left_seconds.clamp(1, u64::from(contract::WAIT_MAX_SECONDS)) as u32;
                    self.wait(id.as_str(), seconds).await
                }
                Ask::Status => self.status(id.as_str()).await,
            };
            let then = match answer {
                Ok(status) => {
                    let seen = (status.status.clone(), status.sms_code.clone());
                    if last_seen.as_ref() != Some(&seen) {
                        on_status(&status);
                        last_seen = Some(seen);
                    }
                    match waiting.on_status(ask, &status, transport.now_millis().saturating_sub(asked_at)) {
                        Next::Ask(then) => then,
                        Next::Code => {
                            let code = status.sms_code.clone().unwrap_or_default();
                            return Ok(Code { code, text: status.sms_text.clone(), status });
                        }
                        Next::Ended => {
                            return Err(ApiError::OrderClosed { status: status.status.as_str().to_owned() }.into());
                        }
                    }
                }
                Err(error) => match waiting.on_error(ask, &error) {
                    Some(then) => then,
                    None => return Err(error),
                },
            };
            ask = then.ask;
            if then.after_ms > 0 {
                transport.sleep(then.after_ms).await;
            }
        }
    }
}
