import { describe, expect, test } from "bun:test";
import { Limiter } from "../src/runner/limiter.js";

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe("Limiter", () => {
  test("never runs more than `limit` tasks at once", async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick();
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
  });

  test("a task that only waits gives its slot to a queued task meanwhile", async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    let wake!: () => void;
    const sleeper = limiter.run(async () => {
      order.push("sleeper starts");
      await limiter.yieldWhile(() => new Promise<void>((resolve) => (wake = resolve)));
      order.push("sleeper resumes");
    });
    const other = limiter.run(async () => {
      order.push("other runs");
      wake();
      await tick();
      order.push("other ends");
    });
    await Promise.all([sleeper, other]);
    expect(order).toEqual(["sleeper starts", "other runs", "other ends", "sleeper resumes"]);
  });

  test("a resumed task goes ahead of tasks that have not started, and the limit holds throughout", async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const body = (name: string, work: () => Promise<void> = tick) =>
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(name);
        running--;
        await work();
        running++;
        peak = Math.max(peak, running);
        running--;
      });
    const first = body("a", () => limiter.yieldWhile(tick).then(() => void order.push("a again")));
    const rest = [body("b"), body("c"), body("d")];
    await Promise.all([first, ...rest]);
    expect(order.indexOf("a again")).toBeLessThan(order.indexOf("d"));
    expect(peak).toBe(1);
  });
});
