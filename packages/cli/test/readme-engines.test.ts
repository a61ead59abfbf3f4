// The README says which runtimes the CLI needs; package.json's `engines` is what installers enforce. They agree.
import { expect, test } from "bun:test";
import manifest from "../package.json" with { type: "json" };

test("the README's runtime floors are package.json's engines", async () => {
  const readme = await Bun.file(new URL("../README.md", import.meta.url)).text();
  const floor = (range: string) => range.replace(/^>=\s*/, "");
  const stated = /Runs under Bun ≥ ([\d.]+) and Node ≥ ([\d.]+)/.exec(readme);
  expect(stated?.slice(1)).toEqual([floor(manifest.engines.bun), floor(manifest.engines.node)]);
  expect(readme).not.toMatch(/Bun \(≥ 1\.2\)|Node \(≥ 22\)/);
});
