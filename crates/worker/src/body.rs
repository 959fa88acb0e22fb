//! Bodies read in one piece: `arrayBuffer()` is one crossing into the runtime, where the worker crate's
//! `bytes()` reads a stream chunk by chunk (a reader, a read and a microtask per chunk).

use worker::js_sys::futures::JsFuture;
use worker::js_sys::{Promise, Uint8Array};
use worker::wasm_bindgen::JsValue;

/// The bytes of a request's or a response's `arrayBuffer()`.
pub async fn bytes(array_buffer: Result<Promise, JsValue>) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(array_buffer?).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
