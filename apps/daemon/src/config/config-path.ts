/** `["accounts", 1, "credentials", "pin"]` → `accounts[1].credentials.pin`, the form every error uses. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out || "(top level)";
}
