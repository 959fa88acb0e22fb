// The peer for the proxy benchmark: the least a JavaScript Worker can do to proxy the provider —
// forward the path and query upstream with the key added, and return the answer.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const upstream = env.UPSTREAM_URL + url.pathname.replace(/^\/api\/v1/, "") + url.search;
    const response = await fetch(upstream, {
      method: request.method,
      headers: { "X-API-Key": env.OXGEL_API_KEY, "Content-Type": "application/json" },
      body: request.method === "GET" ? undefined : await request.text(),
    });
    return new Response(await response.arrayBuffer(), {
      status: response.status,
      headers: { "Content-Type": "application/json" },
    });
  },
};
