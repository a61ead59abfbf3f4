import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { loginWithTotp } from "../src/index.js";
import { demoConfig } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

test("onPinStep: 'sent' is awaited before the PIN leaves, then 'accepted'", async () => {
  emu.reset();
  const seen: string[] = [];
  await loginWithTotp(demoConfig(emu), {
    onPinStep: async (state) => {
      // The record must be durable before Upstox can see the PIN: nothing reached the 2FA step yet.
      seen.push(`${state}:${emu.steps("2fa").length}`);
      await Bun.sleep(20);
    },
  });
  expect(seen).toEqual(["sent:0", "accepted:1"]);
});

test("onPinStep: a refused PIN is reported as 'refused'; a throw from 'sent' stops the login before the PIN", async () => {
  emu.reset();
  const seen: string[] = [];
  const wrong = demoConfig(emu, { pin: "000000" });
  await expect(loginWithTotp(wrong, { onPinStep: (state) => void seen.push(state) })).rejects.toMatchObject({
    code: "WRONG_PIN",
    pin: "refused",
  });
  expect(seen).toEqual(["sent", "refused"]);

  emu.reset();
  await expect(
    loginWithTotp(demoConfig(emu), {
      onPinStep: (state) => {
        if (state === "sent") throw new Error("redis is away");
      },
    }),
  ).rejects.toThrow("redis is away");
  expect(emu.steps("2fa")).toHaveLength(0);
});
