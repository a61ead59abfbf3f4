/**
 * The node:http floor for bench/proxy.ts: the least a Bun program on node:http's server (the proxy's server under
 * Node; it answers pipelined requests in order) can do to pass a GET through with a token added (native fetch upstream,
 * no policy, no streaming, no metrics). Not a product: the bench runs it beside the `Bun.serve` floor
 * (proxy-bun-floor-server.ts) to show how much of the proxy's added latency is the server it must run on.
 *
 *   bun bench/proxy-floor-server.ts <listen port> <upstream origin> <token>
 */
import { createServer } from "node:http";

const [port, upstream, token] = process.argv.slice(2);
createServer(async (req, res) => {
  const answer = await fetch(`${upstream}${req.url}`, {
    method: req.method,
    headers: { accept: String(req.headers.accept ?? "*/*"), authorization: `Bearer ${token}` },
    decompress: false,
  } as RequestInit);
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(answer.status, headers);
  res.end(Buffer.from(await answer.arrayBuffer()));
}).listen(Number(port), "127.0.0.1");
