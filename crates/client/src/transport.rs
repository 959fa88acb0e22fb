//! What the client needs from its host: sending a request, sleeping, and the time.
//!
//! [`Fetch`] is the real one (the global `fetch` and `setTimeout`, present in browsers, Node 20+ and
//! workerd); tests drive the client with a scripted transport and a virtual clock.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use vnum_protocol::http::{HttpRequest, HttpResponse};

use crate::Error;

/// The IO of the client. Dropping a future it returned cancels what it was doing: an in-flight request
/// is aborted, a timer is cleared.
pub trait Transport {
    /// Sends `request` to `url` (the full URL, query included) and reads the whole answer.
    /// Only a failure to get any answer is an `Err` ([`Error::network`]); error statuses are answers.
    fn send(&self, url: &str, request: &HttpRequest) -> impl Future<Output = Result<HttpResponse, Error>>;

    /// Resolves after `millis` milliseconds.
    fn sleep(&self, millis: u64) -> impl Future<Output = ()>;

    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;
}

/// Runs both futures and returns the output of the one that finishes first (`first` wins a tie); the
/// other is dropped, which cancels it.
pub async fn race<T>(first: impl Future<Output = T>, second: impl Future<Output = T>) -> T {
    let mut first = pin!(first);
    let mut second = pin!(second);
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(out) = first.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        second.as_mut().poll(cx)
    })
    .await
}

/// The transport over the JavaScript globals `fetch` (or a `fetch`-compatible function given by the
/// caller, such as a Workers service binding's) and `setTimeout`.
#[derive(Debug, Clone, Default)]
pub struct Fetch {
    fetch: Option<js_sys::Function>,
}

impl Fetch {
    /// The transport over `globalThis.fetch`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The transport over another `fetch`-compatible function: `(url, init) => Promise<Response>`.
    pub fn with_fetch(fetch: js_sys::Function) -> Self {
        Self { fetch: Some(fetch) }
    }
}

/// The JavaScript side of [`Fetch`] (js/runtime.js). It compiles everywhere so that native builds
/// (clippy, tests) check it, but only wasm32 can call it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod js {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use js_sys::futures::JsFuture;
    use js_sys::{Array, Promise};
    use vnum_protocol::http::{HttpRequest, HttpResponse};
    use wasm_bindgen::prelude::*;

    use super::Fetch;
    use crate::Error;

    #[wasm_bindgen(module = "/js/runtime.js")]
    extern "C" {
        /// `{ promise, cancel() }`: something JS is doing that Rust may stop.
        pub(crate) type Pending;
        #[wasm_bindgen(method, getter)]
        fn promise(this: &Pending) -> Promise;
        #[wasm_bindgen(method)]
        fn cancel(this: &Pending);

        /// Resolves with `[status, retryAfter, bodyText]`, or `[0, null, reason]` without an answer.
        #[wasm_bindgen(js_name = send)]
        fn js_send(fetch: &JsValue, url: &str, method: &str, headers: &Array, body: Option<String>) -> Pending;
        #[wasm_bindgen(js_name = sleep)]
        fn js_sleep(millis: f64) -> Pending;
        /// Resolves with the signal's reason once it aborts.
        #[wasm_bindgen(js_name = onAbort)]
        pub(crate) fn js_on_abort(signal: &JsValue) -> Pending;
    }

    /// A [`Pending`] as a future; dropping it before it resolved cancels it.
    pub(crate) struct PendingFuture {
        pending: Pending,
        future: JsFuture,
        done: bool,
    }

    impl PendingFuture {
        pub(crate) fn new(pending: Pending) -> Self {
            let future = JsFuture::from(pending.promise());
            Self { pending, future, done: false }
        }
    }

    impl Future for PendingFuture {
        type Output = JsValue;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JsValue> {
            match Pin::new(&mut self.future).poll(cx) {
                Poll::Ready(result) => {
                    self.done = true;
                    Poll::Ready(result.unwrap_or_else(|error| error))
                }
                Poll::Pending => Poll::Pending,
            }
        }
    }

    impl Drop for PendingFuture {
        fn drop(&mut self) {
            if !self.done {
                self.pending.cancel();
            }
        }
    }

    impl Fetch {
        pub(super) async fn send_js(&self, url: &str, request: &HttpRequest) -> Result<HttpResponse, Error> {
            let headers = Array::new();
            for (name, value) in &request.headers {
                headers.push(&Array::of2(&JsValue::from_str(name), &JsValue::from_str(value)));
            }
            let fetch = self.fetch.as_ref().map_or(JsValue::UNDEFINED, |f| f.clone().into());
            let pending = js_send(&fetch, url, request.method.as_str(), &headers, request.body.clone());
            let answer = Array::from(&PendingFuture::new(pending).await);
            let status = answer.get(0).as_f64().unwrap_or(0.0) as u16;
            let text = answer.get(2).as_string().unwrap_or_default();
            if status == 0 {
                return Err(Error::network(text));
            }
            let headers = answer.get(1).as_string().map(|v| vec![("Retry-After".to_owned(), v)]).unwrap_or_default();
            Ok(HttpResponse { status, headers, body: text.into_bytes() })
        }

        pub(super) fn sleep_js(millis: u64) -> PendingFuture {
            PendingFuture::new(js_sleep(millis as f64))
        }
    }
}

#[cfg_attr(not(feature = "js"), allow(unused_imports))]
pub(crate) use js::{PendingFuture, js_on_abort};

impl Transport for Fetch {
    #[cfg(target_arch = "wasm32")]
    fn send(&self, url: &str, request: &HttpRequest) -> impl Future<Output = Result<HttpResponse, Error>> {
        self.send_js(url, request)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn send(&self, _url: &str, _request: &HttpRequest) -> impl Future<Output = Result<HttpResponse, Error>> {
        let _ = &self.fetch;
        std::future::ready(Err(Error::network("the fetch transport needs wasm32 (a browser, Node or workerd)")))
    }

    #[cfg(target_arch = "wasm32")]
    fn sleep(&self, millis: u64) -> impl Future<Output = ()> {
        let timer = Self::sleep_js(millis);
        async move {
            timer.await;
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn sleep(&self, _millis: u64) -> impl Future<Output = ()> {
        std::future::ready(())
    }

    #[cfg(target_arch = "wasm32")]
    fn now_millis(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn now_millis(&self) -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
    }
}
