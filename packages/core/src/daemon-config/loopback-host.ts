/** 127/8, ::1 and localhost: a status server there is reachable from this machine only. */
export function isLoopbackListen(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name) || name === "::ffff:127.0.0.1"
  );
}
