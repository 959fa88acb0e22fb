//! The JavaScript API of the npm package `vnum` (feature `js`): class `Vnum` over [`Client`], errors as
//! `VnumError`. Input objects are read strictly (unknown keys are refused, so a misspelt `maxPrice`
//! cannot buy without a limit); answers are plain objects with camelCase keys, absent values as `null`
//! and instants as ISO 8601 strings. `index.d.ts` (crates/client/npm) declares exactly these shapes.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use js_sys::futures::future_to_promise;
use js_sys::{Array, Date, Function, Object, Promise, Reflect};
use vnum_protocol::api::ReceivedCode;
use vnum_protocol::api::{
    ActionResponse, Balance, BoughtNumber, BuyRequest, Country, Health, OrderView, Price, Service, StatusResponse,
};
use vnum_protocol::contract;
use vnum_protocol::validate::{CountryCode, MaxPrice, Operator, ServiceCode};
use vnum_protocol::{ApiError, Timestamp};
use wasm_bindgen::prelude::*;

use crate::transport::{Fetch, race};
use crate::{Client, Code, Error, Options, WaitOptions};

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(js_name = VnumError)]
    type JsVnumError;
    #[wasm_bindgen(constructor, js_class = "VnumError")]
    fn new(
        message: &str,
        code: &str,
        retryable: bool,
        retry_after_seconds: JsValue,
        status: JsValue,
        cause: JsValue,
    ) -> JsVnumError;
    /// `console.warn`, where there is a console.
    #[wasm_bindgen(js_name = warn)]
    fn js_warn(message: &str);
    /// Reports an exception thrown by a callback (`console.error`) without stopping.
    #[wasm_bindgen(js_name = report)]
    fn js_report(error: &JsValue);
}

thread_local! {
    static BROWSER: Cell<bool> = const { Cell::new(false) };
}

/// Called by the package's browser entry: this is the browser build.
#[wasm_bindgen(js_name = __vnumBrowserBuild)]
pub fn browser_build() {
    BROWSER.with(|b| b.set(true));
}

fn to_js(error: &Error, cause: JsValue) -> JsValue {
    let optional = |n: Option<f64>| n.map_or(JsValue::NULL, JsValue::from_f64);
    JsVnumError::new(
        &error.message,
        error.code_str(),
        error.retryable,
        optional(error.retry_after_seconds.map(|s| s as f64)),
        optional(error.status.map(f64::from)),
        cause,
    )
    .into()
}

fn invalid(field: &str, reason: &str) -> Error {
    ApiError::invalid(field, reason).into()
}

/// Reads a caller's object: `undefined`/`null` read as `{}`; anything but a plain object, and keys not
/// in `allowed`, are `INVALID_REQUEST`.
struct Input<'a> {
    value: Option<&'a JsValue>,
    name: &'static str,
}

impl<'a> Input<'a> {
    fn new(value: &'a JsValue, name: &'static str, allowed: &[&str]) -> Result<Self, Error> {
        if value.is_undefined() || value.is_null() {
            return Ok(Self { value: None, name });
        }
        if !value.is_object() || value.is_function() || Array::is_array(value) {
            return Err(invalid(name, "must be an object"));
        }
        for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                return Err(invalid(name, &format!("has an unknown key {key:?} (known: {})", allowed.join(", "))));
            }
        }
        Ok(Self { value: Some(value), name })
    }

    /// A present key's value (`undefined` and `null` are absent).
    fn get(&self, key: &str) -> Option<JsValue> {
        let value = Reflect::get(self.value?, &JsValue::from_str(key)).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn string(&self, key: &str) -> Result<Option<String>, Error> {
        self.get(key).map(|v| v.as_string().ok_or_else(|| self.wrong(key, "a string"))).transpose()
    }

    fn number(&self, key: &str) -> Result<Option<f64>, Error> {
        self.get(key)
            .map(|v| v.as_f64().filter(|n| n.is_finite()).ok_or_else(|| self.wrong(key, "a finite number")))
            .transpose()
    }

    /// A whole number of milliseconds in `min..=max`.
    fn millis(&self, key: &str, min: u64, max: u64) -> Result<Option<u64>, Error> {
        match self.number(key)? {
            Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(Some(n as u64)),
            Some(_) => Err(self.wrong(key, &format!("a whole number from {min} to {max}"))),
            None => Ok(None),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, Error> {
        self.get(key).map(|v| v.as_bool().ok_or_else(|| self.wrong(key, "a boolean"))).transpose()
    }

    fn function(&self, key: &str) -> Result<Option<Function>, Error> {
        self.get(key).map(|v| v.dyn_into::<Function>().map_err(|_| self.wrong(key, "a function"))).transpose()
    }

    /// An `AbortSignal` (anything with a boolean `aborted` and `addEventListener`).
    fn signal(&self) -> Result<Option<JsValue>, Error> {
        let Some(signal) = self.get("signal") else { return Ok(None) };
        let has = |k: &str| Reflect::has(&signal, &JsValue::from_str(k)).unwrap_or(false);
        if signal.is_object() && has("aborted") && has("addEventListener") {
            Ok(Some(signal))
        } else {
            Err(self.wrong("signal", "an AbortSignal"))
        }
    }

    fn wrong(&self, key: &str, what: &str) -> Error {
        invalid(&format!("{}.{key}", self.name), &format!("must be {what}"))
    }
}

/// A string argument such as an order id.
fn string_arg(value: &JsValue, name: &str) -> Result<String, Error> {
    value.as_string().ok_or_else(|| invalid(name, "must be a string"))
}

/// Runs `work` as a Promise that rejects with a `VnumError`, stopped by `signal` (rejecting with code
/// `ABORTED` and the signal's reason as `cause`). An already aborted signal rejects before any request.
///
/// Not generic: one instance for every method keeps the wasm small.
fn promise(signal: Option<JsValue>, work: Pin<Box<dyn Future<Output = Result<JsValue, Error>>>>) -> Promise {
    future_to_promise(async move {
        let Some(signal) = signal else {
            return work.await.map_err(|e| to_js(&e, JsValue::UNDEFINED));
        };
        let aborted_error = |reason: JsValue| Err(to_js(&Error::aborted(), reason));
        if Reflect::get(&signal, &JsValue::from_str("aborted")).ok().and_then(|a| a.as_bool()) == Some(true) {
            return aborted_error(Reflect::get(&signal, &JsValue::from_str("reason")).unwrap_or_default());
        }
        let aborted = crate::transport::PendingFuture::new(crate::transport::js_on_abort(&signal));
        race(async { work.await.map_err(|e| to_js(&e, JsValue::UNDEFINED)) }, async { aborted_error(aborted.await) })
            .await
    })
}

fn rejected(error: Error) -> Promise {
    Promise::reject(&to_js(&error, JsValue::UNDEFINED))
}

/// Parses `options` with the keys `allowed` (plus `signal`) and runs `work(options)`.
macro_rules! call {
    ($options:expr, [$($key:literal),*], |$input:ident| $work:expr) => {{
        let options: &JsValue = $options;
        match Input::new(options, "options", &[$($key,)* "signal"]).and_then(|$input| Ok(($input.signal()?, $work))) {
            Ok((signal, work)) => promise(signal, Box::pin(work)),
            Err(error) => rejected(error),
        }
    }};
}

/// An object under construction.
struct Out(Object);

impl Out {
    fn new() -> Self {
        Self(Object::new())
    }

    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        self.set(key, value.map_or(JsValue::NULL, JsValue::from_str))
    }

    fn opt_num(self, key: &str, value: Option<f64>) -> Self {
        self.set(key, value.map_or(JsValue::NULL, JsValue::from_f64))
    }

    fn time(self, key: &str, value: Option<Timestamp>) -> Self {
        // The JS engine writes the ISO 8601 form: no date formatting code in the wasm.
        let iso =
            value.map_or(JsValue::NULL, |t| Date::new(&JsValue::from_f64(t.as_millis() as f64)).to_iso_string().into());
        self.set(key, iso)
    }

    fn done(self) -> JsValue {
        self.0.into()
    }
}

fn list<T>(items: &[T], each: impl Fn(&T) -> JsValue) -> JsValue {
    items.iter().map(each).collect::<Array>().into()
}

fn balance_js(b: &Balance) -> JsValue {
    let out = Out::new().set("balance", b.balance).set("escrow", b.escrow).set("currency", b.currency.as_str());
    match &b.quota {
        Some(q) => {
            let quota = Out::new()
                .set("plan", q.plan.as_str())
                .set("limit", q.limit as f64)
                .set("used", q.used as f64)
                .set("remaining", q.remaining as f64)
                .done();
            out.set("quota", quota).done()
        }
        None => out.done(),
    }
}

fn service_js(s: &Service) -> JsValue {
    Out::new().set("code", s.code.as_str()).set("name", s.name.as_str()).done()
}

fn country_js(c: &Country) -> JsValue {
    Out::new().set("code", c.code.as_str()).opt_str("iso2", c.iso2.as_deref()).set("name", c.name.as_str()).done()
}

fn price_js(p: &Price) -> JsValue {
    Out::new()
        .set("service", p.service.as_str())
        .set("country", p.country.as_str())
        .set("price", p.price)
        .set("stock", p.stock as f64)
        .done()
}

fn bought_js(b: &BoughtNumber) -> JsValue {
    Out::new()
        .set("id", b.id.as_str())
        .opt_str("orderCode", b.order_code.as_deref())
        .set("phone", b.phone.as_str())
        .time("expiresAt", Some(b.expires_at))
        .set("cost", b.cost)
        .done()
}

fn codes_js(codes: &[ReceivedCode]) -> JsValue {
    list(codes, |c| {
        Out::new()
            .set("code", c.code.as_str())
            .opt_str("text", c.text.as_deref())
            .time("receivedAt", Some(c.received_at))
            .done()
    })
}

fn status_js(s: &StatusResponse) -> JsValue {
    Out::new()
        .set("status", s.status.as_str())
        .opt_str("smsCode", s.sms_code.as_deref())
        .opt_str("smsText", s.sms_text.as_deref())
        .set("phone", s.phone.as_str())
        .time("expiresAt", s.expires_at)
        .time("cancelAvailableAt", s.cancel_available_at)
        .set("codes", codes_js(&s.codes))
        .done()
}

fn action_js(a: &ActionResponse) -> JsValue {
    Out::new().set("status", a.status.as_str()).opt_num("refunded", a.refunded).opt_num("charged", a.charged).done()
}

fn order_js(o: &OrderView) -> JsValue {
    Out::new()
        .set("id", o.id.as_str())
        .opt_str("orderCode", o.order_code.as_deref())
        .set("phone", o.phone.as_str())
        .set("service", o.service.as_str())
        .set("country", o.country.as_str())
        .set("cost", o.cost)
        .set("status", o.status.as_str())
        .opt_str("smsCode", o.sms_code.as_deref())
        .opt_str("smsText", o.sms_text.as_deref())
        .set("codes", codes_js(&o.codes))
        .time("createdAt", Some(o.created_at))
        .time("expiresAt", Some(o.expires_at))
        .time("cancelAvailableAt", Some(o.cancel_available_at))
        .done()
}

fn health_js(h: &Health) -> JsValue {
    Out::new()
        .set("ok", h.ok)
        .set("provider", h.provider.as_str())
        .set("demo", h.demo)
        .set("version", h.version.as_str())
        .opt_num("maxPrice", h.max_price)
        .done()
}

fn code_js(c: &Code) -> JsValue {
    Out::new()
        .set("code", c.code.as_str())
        .opt_str("text", c.text.as_deref())
        .set("status", status_js(&c.status))
        .done()
}

/// `{ service, country, operator?, maxPrice? }`, validated with the protocol crate's validators.
fn buy_request(value: &JsValue) -> Result<BuyRequest, Error> {
    if value.is_undefined() || value.is_null() {
        return Err(invalid("request", "is required: { service, country }"));
    }
    let input = Input::new(value, "request", &["service", "country", "operator", "maxPrice"])?;
    let service = input.string("service")?.ok_or_else(|| invalid("service", "is required"))?;
    let country = match input.get("country") {
        Some(c) if c.as_f64().is_some() => c.as_f64().map(|n| n.to_string()).unwrap_or_default(),
        Some(_) => input.string("country")?.unwrap_or_default(),
        None => return Err(invalid("country", "is required")),
    };
    Ok(BuyRequest {
        service: ServiceCode::parse(&service)?,
        country: CountryCode::parse(&country)?,
        operator: input.string("operator")?.as_deref().map(Operator::parse).transpose()?,
        max_price: input.number("maxPrice")?.map(MaxPrice::new).transpose()?,
    })
}

/// The vnum client for JavaScript.
#[wasm_bindgen(js_name = Vnum)]
#[derive(Debug)]
pub struct JsVnum {
    client: Client,
}

#[wasm_bindgen(js_class = Vnum)]
impl JsVnum {
    /// `new Vnum({ baseUrl, token?, apiKey?, timeoutMs?, fetch? })`; throws `VnumError` (`INVALID_REQUEST`).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsVnum, JsValue> {
        Self::create(&options).map_err(|e| to_js(&e, JsValue::UNDEFINED))
    }

    fn create(options: &JsValue) -> Result<JsVnum, Error> {
        if options.is_undefined() || options.is_null() {
            return Err(invalid("options", "are required: { baseUrl, token }"));
        }
        let input = Input::new(options, "options", &["baseUrl", "token", "apiKey", "timeoutMs", "fetch"])?;
        let api_key = input.string("apiKey")?;
        if api_key.is_some() && BROWSER.with(Cell::get) {
            js_warn(
                "vnum: an apiKey was given in a browser, where every visitor can read it. Use the vnum proxy \
                 with a token instead (https://github.com/vnum/vnum#deploying-with-a-real-provider).",
            );
        }
        let transport = input.function("fetch")?.map_or_else(Fetch::new, Fetch::with_fetch);
        let options = Options {
            base_url: input.string("baseUrl")?,
            token: input.string("token")?,
            api_key,
            request_timeout_ms: input.millis("timeoutMs", 1, 3_600_000)?,
        };
        Ok(JsVnum { client: Client::with_transport(options, transport)? })
    }

    /// The API root requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// `GET /health` (proxy only).
    pub fn health(&self, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| async move { client.health().await.map(|h| health_js(&h)) })
    }

    /// `GET /balance`.
    pub fn balance(&self, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| async move { client.balance().await.map(|b| balance_js(&b)) })
    }

    /// `GET /services`.
    pub fn services(&self, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| async move { client.services().await.map(|s| list(&s, service_js)) })
    }

    /// `GET /countries`.
    pub fn countries(&self, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| async move { client.countries().await.map(|c| list(&c, country_js)) })
    }

    /// `GET /prices`: `prices({ service?, country? }?, options?)`.
    pub fn prices(&self, query: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        let query = Input::new(&query, "query", &["service", "country"]).and_then(|q| {
            let country = match q.get("country") {
                Some(c) if c.as_f64().is_some() => c.as_f64().map(|n| n.to_string()),
                _ => q.string("country")?,
            };
            Ok((q.string("service")?, country))
        });
        let (service, country) = match query {
            Ok(query) => query,
            Err(error) => return rejected(error),
        };
        call!(&options, [], |_input| async move {
            client.prices(service.as_deref(), country.as_deref()).await.map(|p| list(&p, price_js))
        })
    }

    /// `POST /numbers/buy`: `buy({ service, country, operator?, maxPrice? }, { idempotencyKey?, signal? }?)`.
    pub fn buy(&self, request: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        let request = match buy_request(&request) {
            Ok(request) => request,
            Err(error) => return rejected(error),
        };
        call!(&options, ["idempotencyKey"], |input| {
            let key = input.string("idempotencyKey")?;
            async move { client.buy(&request, key.as_deref()).await.map(|b| bought_js(&b)) }
        })
    }

    /// `GET /numbers/status`.
    pub fn status(&self, id: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| {
            let id = string_arg(&id, "id")?;
            async move { client.status(&id).await.map(|s| status_js(&s)) }
        })
    }

    /// `POST /numbers/cancel`.
    pub fn cancel(&self, id: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| {
            let id = string_arg(&id, "id")?;
            async move { client.cancel(&id).await.map(|a| action_js(&a)) }
        })
    }

    /// `POST /numbers/finish`.
    pub fn finish(&self, id: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| {
            let id = string_arg(&id, "id")?;
            async move { client.finish(&id).await.map(|a| action_js(&a)) }
        })
    }

    /// `POST /numbers/another`.
    pub fn another(&self, id: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| {
            let id = string_arg(&id, "id")?;
            async move { client.another(&id).await.map(|a| action_js(&a)) }
        })
    }

    /// `GET /orders`.
    pub fn orders(&self, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, [], |_input| async move { client.orders().await.map(|o| list(&o, order_js)) })
    }

    /// `GET /numbers/wait`: one long-poll, `wait(id, { timeoutSeconds?: 1..60 (default 25), signal? })`.
    pub fn wait(&self, id: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, ["timeoutSeconds"], |input| {
            let id = string_arg(&id, "id")?;
            let seconds = input
                .millis("timeoutSeconds", 1, u64::from(contract::WAIT_MAX_SECONDS))?
                .unwrap_or(u64::from(contract::WAIT_DEFAULT_SECONDS)) as u32;
            async move { client.wait(&id, seconds).await.map(|s| status_js(&s)) }
        })
    }

    /// Waits for the code: `waitForCode(id, { intervalMs?, timeoutMs?, longPoll?, onStatus?, signal? })`
    /// resolves `{ code, text, status }`.
    #[wasm_bindgen(js_name = waitForCode)]
    pub fn wait_for_code(&self, id: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        call!(&options, ["intervalMs", "timeoutMs", "longPoll", "onStatus"], |input| {
            let id = string_arg(&id, "id")?;
            let defaults = WaitOptions::default();
            let wait = WaitOptions {
                interval_ms: input.millis("intervalMs", 10, 3_600_000)?.unwrap_or(defaults.interval_ms),
                timeout_ms: input.millis("timeoutMs", 1, 86_400_000)?.unwrap_or(defaults.timeout_ms),
                long_poll: input.boolean("longPoll")?.unwrap_or(defaults.long_poll),
            };
            let on_status = input.function("onStatus")?;
            async move {
                let report = |status: &StatusResponse| {
                    if let Some(callback) = &on_status
                        && let Err(thrown) = callback.call1(&JsValue::NULL, &status_js(status))
                    {
                        js_report(&thrown);
                    }
                };
                client.wait_for_code(&id, &wait, report).await.map(|c| code_js(&c))
            }
        })
    }
}
