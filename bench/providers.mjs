// Figures for each provider, through the Worker in workerd against vnum-sim speaking its dialect: for N
// orders (default 20, one after another), the upstream requests from buy until the code is in the API
// answer, and the time from the simulator delivering the SMS to the code in the answer of a caller's
// long-poll (`/numbers/wait`). Where the provider pushes codes (Telenumerus's event stream, Agent OTP's
// wait-for-otp), the same is measured again with the push failing, so the order object polls.
//
//   node bench/providers.mjs [--orders 20] [--only telenumerus]
//
// Loopback only, bounded: N orders per provider and mode, each waiting at most 60 s.
import { startProvider, client } from "../tests/support/providers.mjs";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const ORDERS = Number(flag("orders", 20));
const ONLY = flag("only", null);

/** The push endpoint's request kind in the simulator's stats, per provider. */
const PUSH_KIND = { telenumerus: "order_stream", agentotp: "wait_for_otp" };

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function measure(dialect, { pushFails }) {
  const { sim, worker, setup } = await startProvider(dialect, { smsDelay: 2 });
  const api = client(worker);
  const requests = [];
  const latencies = [];
  try {
    for (let i = 0; i < ORDERS; i++) {
      if (pushFails) await sim.faults({ next: [{ kind: "status", status: 503, for: PUSH_KIND[dialect] }] });
      const before = (await sim.stats()).total;
      const bought = await api("/numbers/buy", { method: "POST", body: setup.buy });
      if (bought.status !== 200) throw new Error(`${dialect}: buy answered ${bought.status} ${bought.text}`);
      const id = bought.json.id;
      let answeredAt;
      const deadline = Date.now() + 60_000;
      while (!answeredAt && Date.now() < deadline) {
        const res = await api(`/numbers/wait?id=${id}&timeout=30`);
        if (res.json?.sms_code) answeredAt = Date.now();
      }
      if (!answeredAt) throw new Error(`${dialect}: no code for order ${i + 1}`);
      const after = (await sim.stats()).total;
      const upstream = (await sim.orders()).find((o) => o.id === id);
      const deliveredAt = Date.parse(upstream.messages.at(-1).received_at);
      requests.push(after - before);
      latencies.push(answeredAt - deliveredAt);
      await api(`/numbers/finish?id=${id}`, { method: "POST" });
    }
  } finally {
    await worker.stop();
    await sim.stop();
  }
  return {
    requests: { min: Math.min(...requests), median: percentile(requests, 50), max: Math.max(...requests) },
    latencyMs: { p50: percentile(latencies, 50), max: Math.max(...latencies) },
  };
}

const rows = [];
for (const dialect of ["oxgel", "telenumerus", "agentotp"].filter((d) => !ONLY || d === ONLY)) {
  const modes = PUSH_KIND[dialect] ? [["push", false], ["poll (push failing)", true]] : [["poll", false]];
  for (const [mode, pushFails] of modes) {
    const figures = await measure(dialect, { pushFails });
    rows.push({ dialect, mode, ...figures });
    console.log(
      `${dialect.padEnd(12)} ${mode.padEnd(20)} upstream requests per order (buy → code): ` +
        `median ${figures.requests.median} (min ${figures.requests.min}, max ${figures.requests.max}); ` +
        `SMS → code in the API answer: p50 ${figures.latencyMs.p50} ms, max ${figures.latencyMs.max} ms ` +
        `(${ORDERS} orders)`,
    );
  }
}
