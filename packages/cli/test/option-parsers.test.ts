import { describe, expect, test } from "bun:test";
import { InvalidArgumentError } from "commander";
import {
  collect,
  formatDuration,
  parseAccount,
  parseDuration,
  parseListenAddress,
} from "../src/option-parsers.js";
import { runBin } from "./support/run-bin.js";

describe("duration defaults in help", () => {
  test("formatDuration writes a default the way a user would, and parses back to it", () => {
    for (const [ms, text] of [
      [300_000, "5m"],
      [90_000, "90s"],
      [1500, "1500ms"],
    ] as const) {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });

  test("login and request-token show (default: 5m) / (default: 15m), not milliseconds", async () => {
    const login = (await runBin(["login", "--help"])).stdout.replace(/\s+/g, " ");
    expect(login).toContain("(default: 5m)");
    expect(login).not.toContain("300000");
    const request = (await runBin(["request-token", "--help"])).stdout.replace(/\s+/g, " ");
    expect(request).toContain("(default: 15m)");
    expect(request).not.toContain("900000");
  });
});

describe("parseDuration", () => {
  test("plain numbers are seconds; ms, s and m units", () => {
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("5m")).toBe(300_000);
  });
  test("rejects garbage and zero as a commander argument error", () => {
    for (const bad of ["", "abc", "5h", "-1", "0"])
      expect(() => parseDuration(bad)).toThrow(InvalidArgumentError);
  });
});

describe("parseListenAddress", () => {
  test("host:port/path", () => {
    expect(parseListenAddress("0.0.0.0:8977/hook")).toEqual({ host: "0.0.0.0", port: 8977, path: "/hook" });
  });
  test("defaults: host 127.0.0.1, path /upstox/notifier", () => {
    expect(parseListenAddress("8977")).toEqual({ host: "127.0.0.1", port: 8977, path: "/upstox/notifier" });
    expect(parseListenAddress(":8977/x/y")).toEqual({ host: "127.0.0.1", port: 8977, path: "/x/y" });
    expect(parseListenAddress("localhost:0")).toEqual({
      host: "localhost",
      port: 0,
      path: "/upstox/notifier",
    });
  });
  test("IPv6 in brackets", () => {
    expect(parseListenAddress("[::1]:9000/n")).toEqual({ host: "::1", port: 9000, path: "/n" });
  });
  test("rejects a missing or out-of-range port", () => {
    for (const bad of ["host", "host:", "host:99999", "host:80a"]) {
      expect(() => parseListenAddress(bad)).toThrow(InvalidArgumentError);
    }
  });
});

test("collect accumulates repeated options", () => {
  expect(collect("b", collect("a", undefined))).toEqual(["a", "b"]);
});

test("parseAccount accepts simple names only", () => {
  expect(parseAccount("trader-1.main_2")).toBe("trader-1.main_2");
  for (const bad of ["", "a b", "../x", "x".repeat(65)])
    expect(() => parseAccount(bad)).toThrow(InvalidArgumentError);
});
