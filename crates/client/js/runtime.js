// The JavaScript side of vnum-client (crates/client/src/transport.rs and js.rs), copied into the
// package by wasm-bindgen. Only globals that browsers, Node 20+ and workerd all have: fetch,
// AbortController, setTimeout, console.

/** Every error of the vnum client. */
export class VnumError extends Error {
  constructor(message, code, retryable, retryAfterSeconds, status, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "VnumError";
    this.code = code;
    this.retryable = retryable;
    this.retryAfterSeconds = retryAfterSeconds ?? null;
    this.status = status ?? null;
  }
}

function describe(error) {
  const name = error && typeof error === "object" ? error.name : undefined;
  const message = error && typeof error === "object" ? error.message : String(error);
  const cause = error && typeof error === "object" && error.cause ? `: ${error.cause.message ?? error.cause}` : "";
  return `${name && name !== "Error" ? `${name}: ` : ""}${message}${cause}`;
}

/**
 * Sends one request. Resolves (never rejects) with [status, retryAfter, bodyText], or [0, null, reason]
 * when no answer came; `cancel()` aborts it.
 */
export function send(fetchFn, url, method, headers, body) {
  const controller = new AbortController();
  const init = { method, headers, signal: controller.signal };
  if (body !== undefined) init.body = body;
  let promise;
  try {
    promise = Promise.resolve(fetchFn ? fetchFn(url, init) : fetch(url, init));
  } catch (error) {
    promise = Promise.reject(error);
  }
  promise = promise
    .then(async (res) => [res.status, res.headers.get("retry-after"), await res.text()])
    .catch((error) => [0, null, describe(error)]);
  return { promise, cancel: () => controller.abort() };
}

/** Resolves after `ms`; `cancel()` clears the timer (and resolves, so nothing is left waiting). */
export function sleep(ms) {
  let timer;
  let done;
  const promise = new Promise((resolve) => {
    done = resolve;
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => { clearTimeout(timer); done(); } };
}

/** Resolves with the signal's reason once it aborts; `cancel()` removes the listener. */
export function onAbort(signal) {
  let done;
  const promise = new Promise((resolve) => { done = resolve; });
  const listener = () => done(signal.reason);
  if (signal.aborted) listener();
  else signal.addEventListener("abort", listener, { once: true });
  return { promise, cancel: () => { signal.removeEventListener("abort", listener); done(undefined); } };
}

export function warn(message) {
  globalThis.console?.warn(message);
}

export function report(error) {
  globalThis.console?.error("vnum: onStatus threw", error);
}
