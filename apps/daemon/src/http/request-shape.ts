import { parseHost } from "./request-policy.js";

/** Why a request is refused before anything else looks at it: malformed, or a method we never serve. */
export interface ShapeRefusal {
  status: 400 | 405;
  error: string;
}

/** RFC 3986 origin-form: an absolute path and an optional query, in the characters a URI may carry. */
const ORIGIN_FORM = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Methods that are never passed on: TRACE echoes the request (token included), CONNECT opens a tunnel. */
const REFUSED_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);

export function checkTarget(target: string): string | undefined {
  if (!ORIGIN_FORM.test(target) || BAD_ESCAPE.test(target)) {
    return "malformed request target: send a path such as /v2/user/profile";
  }
  return undefined;
}

/**
 * The checks every local server makes first, whatever the path: a Host header that is one (`localhost:80@evil.com`
 * is not; HTTP/1.0 without Host is refused too), a well-formed target, and no TRACE or CONNECT. Answered with a
 * plain 400/405 by our own code, never by a runtime's error page.
 */
export function checkRequestShape(
  method: string,
  target: string,
  host: string | undefined,
): ShapeRefusal | undefined {
  if (REFUSED_METHODS.has(method.toUpperCase())) {
    return { status: 405, error: `${method.toUpperCase()} is not served` };
  }
  if (host === undefined || host.trim() === "") {
    return { status: 400, error: "a Host header is required (localhost or a loopback address)" };
  }
  if (!parseHost(host)) return { status: 400, error: "malformed Host header" };
  const bad = checkTarget(target);
  return bad === undefined ? undefined : { status: 400, error: bad };
}

/** node:http hands CONNECT to a 'connect' listener, and drops the socket silently without one: refuse it. */
export function refuseConnect(socket: { end(data: string): void }): void {
  const body = '{"error":"CONNECT is not served"}\n';
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
  );
}
