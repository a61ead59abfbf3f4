import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// The daemon is a shell over core's refresh engine: it must not lean on the CLI package, and it must not watch
// how core speaks to Upstox (the PIN rule comes from the flow's errors, not from peeking at the 2FA request).
const root = join(import.meta.dir, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

test("apps/daemon/package.json has no dependency on @upstox-token/cli", () => {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
  for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    expect(Object.keys((manifest[field] as Record<string, string> | undefined) ?? {})).not.toContain(
      "@upstox-token/cli",
    );
  }
});

test("no daemon source file imports the CLI or inspects core's 2FA path", () => {
  const files = sourceFiles(join(root, "src"));
  expect(files.length).toBeGreaterThan(20);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    expect({ file, cli: text.includes("@upstox-token/cli") }).toEqual({ file, cli: false });
    expect({ file, twoFa: /twoFa|\/auth\/2fa|PinGuard/.test(text) }).toEqual({ file, twoFa: false });
  }
});
