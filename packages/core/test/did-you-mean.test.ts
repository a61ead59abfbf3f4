import { expect, test } from "bun:test";
import { closestMatch, didYouMean } from "../src/internal.js";

test("closestMatch: a different case or one or two typos; nothing for a far word", () => {
  expect(closestMatch("timeZone", ["cron", "timezone", "jitterMaxMs"])).toBe("timezone");
  expect(closestMatch("sqllite", ["env", "sqlite", "redis"])).toBe("sqlite");
  expect(closestMatch("pth", ["path", "keys", "mode"])).toBe("path");
  expect(closestMatch("clinetId", ["clientId", "clientSecret"])).toBe("clientId");
  expect(closestMatch("s3", ["env", "sqlite", "redis"])).toBeUndefined();
  expect(didYouMean("s3", ["env"])).toBe("");
  expect(didYouMean("rediss", ["redis"])).toBe(' (did you mean "redis"?)');
});
