import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "../src/index.js";
import { LoginDriver } from "./support/login-driver.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ minAppVersion: "5.1.0" });
});
afterAll(() => emulator.close());

test("the dialog's Location serves a login page with clearly labelled inputs", async () => {
  const driver = new LoginDriver(emulator);
  const dialog = await driver.dialog();
  const page = await fetch(dialog.headers.get("location") ?? "");
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toStartWith("text/html");
  const html = await page.text();
  for (const name of ["mobile", "otp", "pin"]) {
    expect(html).toContain(`<label for="${name}">`);
    expect(html).toContain(`id="${name}" name="${name}"`);
  }
  for (const button of ["get-otp", "verify-otp", "submit-pin"]) expect(html).toContain(`id="${button}"`);
  expect(html).toContain('type="password"');
  // The page talks to the same service endpoints a headless client uses, with the configured app version.
  for (const path of [
    "/login/open/v6/auth/1fa/otp/generate",
    "/login/open/v4/auth/1fa/otp-totp/verify",
    "/login/open/v3/auth/2fa?",
    "/login/v2/oauth/authorize?",
  ]) {
    expect(html).toContain(path);
  }
  expect(html).toContain('"5.1.0"');
  expect(html).toContain('credentials: "include"');
  expect(emulator.steps("login-page")).toHaveLength(1);

  // The inline script must at least parse.
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? "";
  expect(script.length).toBeGreaterThan(500);
  expect(() => new Function(script)).not.toThrow();
});

/** Just enough DOM for the page's script: elements by id, hidden flags, values and submit listeners. */
class FakeElement {
  hidden = false;
  value = "";
  disabled = false;
  textContent = "";
  readonly attributes = new Map<string, string>();
  readonly listeners: Array<(event: { preventDefault(): void }) => void> = [];
  child: FakeElement | undefined;
  button: FakeElement | undefined;
  addEventListener(_type: string, listener: (event: { preventDefault(): void }) => void) {
    this.listeners.push(listener);
  }
  querySelector(selector: string) {
    return selector.startsWith("button") ? this.button : this.child;
  }
  setAttribute(name: string, value: string) {
    this.attributes.set(name, value);
  }
  removeAttribute(name: string) {
    this.attributes.delete(name);
  }
  focus() {}
  submit() {
    for (const listener of this.listeners) listener({ preventDefault() {} });
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await Bun.sleep(5);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

test("the page's own script logs in against the emulator and navigates to the code", async () => {
  const driver = new LoginDriver(emulator);
  const location = new URL((await driver.dialog()).headers.get("location") ?? "");
  const html = await (await fetch(location)).text();
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? "";

  const elements = new Map<string, FakeElement>();
  const ids = [
    "error",
    "status",
    "step",
    "change-mobile",
    "mobile",
    "otp",
    "pin",
    "mobile-form",
    "otp-form",
    "pin-form",
  ];
  for (const id of ids) {
    elements.set(id, new FakeElement());
  }
  for (const [form, input] of [
    ["mobile-form", "mobile"],
    ["otp-form", "otp"],
    ["pin-form", "pin"],
  ] as const) {
    const el = elements.get(form)!;
    el.child = elements.get(input);
    el.button = new FakeElement();
  }
  elements.get("otp-form")!.hidden = true;
  elements.get("pin-form")!.hidden = true;
  const document = {
    getElementById: (id: string) => elements.get(id),
    querySelector: (selector: string) => elements.get(selector.split(" ")[0]!.slice(1))?.child,
  };
  let navigatedTo = "";
  const fakeLocation = { search: location.search, assign: (url: string) => (navigatedTo = url) };
  // A browser sends the cookies of this origin: the driver's jar plays that part.
  const browserFetch = async (path: string, init: RequestInit) => {
    const response = await fetch(`${emulator.url}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), cookie: driver.jar.header() },
    });
    driver.jar.store(response);
    return response;
  };
  new Function("document", "location", "navigator", "fetch", script)(
    document,
    fakeLocation,
    { platform: "Linux" },
    browserFetch,
  );

  // A non-JSON answer (a proxy's error page, an injected fault) becomes a sentence, not a JSON parse error.
  emulator.inject({ path: "/login/open/v6/auth/1fa/otp/generate", status: 503, body: "Service Unavailable" });
  elements.get("mobile")!.value = "98765 43210";
  elements.get("mobile-form")!.submit();
  await until(() => !elements.get("error")!.hidden, "the error");
  expect(elements.get("error")!.textContent).toContain("answered with HTTP 503");
  elements.get("mobile-form")!.submit();
  await until(() => !elements.get("otp-form")!.hidden, "the OTP form");
  elements.get("otp")!.value = "000000" === driver.totp() ? "111111" : "000000";
  elements.get("otp-form")!.submit();
  await until(() => !elements.get("error")!.hidden, "the error");
  expect(elements.get("error")!.textContent).toBe("Invalid OTP. 4 attempts left [1017016]");
  elements.get("otp")!.value = driver.totp();
  elements.get("otp-form")!.submit();
  await until(() => !elements.get("pin-form")!.hidden, "the PIN form");
  // A PIN of the wrong shape never reaches the service, so it cannot count toward the lock-out.
  const pinRequests = emulator.steps("2fa").length;
  elements.get("pin")!.value = "12345";
  elements.get("pin-form")!.submit();
  await until(() => !elements.get("error")!.hidden, "the error");
  expect(elements.get("error")!.textContent).toContain("6 digits");
  expect(emulator.steps("2fa")).toHaveLength(pinRequests);
  elements.get("pin")!.value = "123456";
  elements.get("pin-form")!.submit();
  await until(() => navigatedTo !== "", "navigation");
  expect(navigatedTo).toMatch(
    new RegExp(`^${emulator.url}/login/authorization/redirect\\?code=[A-Za-z0-9]{6}$`),
  );
  expect(emulator.steps("oauth-authorize").at(-1)?.status).toBe(200);
});
