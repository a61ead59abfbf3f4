import { createServer, type Server, type Socket } from "node:net";

/**
 * How the stand-in for Upstox misbehaves on the request it receives: close (FIN) or reset (RST) the connection
 * at a chosen moment. `*-on-reuse` answer the first request on a connection and fail the next one on it: the
 * idle-close race, where a pooled connection dies just as a request is written to it.
 */
export const FAULTS = [
  "fin-after-request",
  "rst-after-request",
  "fin-on-headers",
  "rst-on-headers",
  "fin-mid-body",
  "rst-mid-body",
  "fin-after-body",
  "rst-after-body",
  "fin-on-reuse",
  "rst-on-reuse",
] as const;
/** ok: answer; hold: read the request and never answer. */
export type Fault = (typeof FAULTS)[number] | "ok" | "hold";

export interface FaultyUpstream {
  url: string;
  /** How many times each X-Req-Id arrived (a request read to the end of its body). */
  counts: Map<string, number>;
  /** The fault for requests from now on. */
  fault: Fault;
  /** Connections accepted so far, and closed by the other side (or reset) so far. */
  connections: number;
  closedByPeer: number;
  /** Extra header lines for the answers ("name: value"), to see what the proxy passes on. */
  extraHeaders: string[];
  close(): Promise<void>;
}

const BODY = '{"status":"success","data":{"order_id":"1"}}';

/** A raw-socket HTTP/1.1 server (node:net): it answers or breaks exactly as told, byte for byte. */
export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  const sockets = new Set<Socket>();
  const state: FaultyUpstream = {
    url: "",
    counts: new Map(),
    fault: "ok",
    connections: 0,
    closedByPeer: 0,
    extraHeaders: [],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.on("end", () => state.closedByPeer++);
    let buffer = Buffer.alloc(0);
    let served = 0;
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString("latin1");
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.subarray(end + 4 + length);
        const id = /\r\nx-req-id:\s*(\S+)/i.exec(head)?.[1] ?? "-";
        state.counts.set(id, (state.counts.get(id) ?? 0) + 1);
        served++;
        const full = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-req-id: ${id}\r\n${state.extraHeaders.map((h) => `${h}\r\n`).join("")}content-length: ${BODY.length}\r\n\r\n${BODY}`;
        if (!answer(socket, state.fault, served, full)) return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

/** Answers one request under `fault`; false when the connection is gone. */
function answer(socket: Socket, fault: Fault, served: number, full: string): boolean {
  const fin = () => socket.end();
  const rst = () => socket.resetAndDestroy();
  const partialHead = "HTTP/1.1 200 OK\r\ncontent-type: appl";
  const partialBody = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY.slice(0, 10)}`;
  switch (fault) {
    case "ok":
      socket.write(full);
      return true;
    case "hold":
      return true;
    case "fin-after-request":
      fin();
      return false;
    case "rst-after-request":
      rst();
      return false;
    case "fin-on-headers":
      socket.end(partialHead);
      return false;
    case "rst-on-headers":
      socket.write(partialHead, rst);
      return false;
    case "fin-mid-body":
      socket.end(partialBody);
      return false;
    case "rst-mid-body":
      socket.write(partialBody, rst);
      return false;
    case "fin-after-body":
      socket.end(full);
      return false;
    case "rst-after-body":
      socket.write(full, rst);
      return false;
    case "fin-on-reuse":
    case "rst-on-reuse":
      if (served > 1) {
        if (fault === "fin-on-reuse") fin();
        else rst();
        return false;
      }
      socket.write(full);
      return true;
  }
}
