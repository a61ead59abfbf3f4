/**
 * The runtime's fastest floor for bench/proxy.ts: a bare `Bun.serve` + native `fetch` pass-through that adds
 * the token and nothing else (no policy, no metrics, no pipelining safety). Not a product: the bench runs it
 * to show how much of the proxy's added latency is the runtime and how much is the proxy.
 *
 *   bun bench/proxy-bun-floor-server.ts <listen port> <upstream origin> <token>
 */
const [port, upstream, token] = process.argv.slice(2);
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  development: false,
  async fetch(request) {
    const url = request.url;
    const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    const answer = await fetch(`${upstream}${path}`, {
      method: request.method,
      headers: { accept: request.headers.get("accept") ?? "*/*", authorization: `Bearer ${token}` },
      decompress: false,
    } as RequestInit);
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  },
});
