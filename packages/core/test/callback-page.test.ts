import { describe, expect, test } from "bun:test";
import { type CallbackPage, renderCallbackPage } from "../src/internal.js";

const success: CallbackPage = {
  outcome: "success",
  title: "Logged in to Upstox",
  detail: "An access token for DEMO01 was created; it is valid until 03:30 IST.",
  nextStep: "Return to the terminal; the token has been handed to upstox-token.",
};
const failure: CallbackPage = {
  outcome: "error",
  title: "Login was not completed",
  detail: "Upstox did not send an authorization code (access_denied).",
  nextStep: "Start the login again from the terminal.",
};

describe("renderCallbackPage", () => {
  for (const page of [success, failure]) {
    test(`${page.outcome}: says what happened, what to do next, and that the tab can be closed`, () => {
      const html = renderCallbackPage(page);
      expect(html).toContain(`<title>${page.title} · upstox-token</title>`);
      expect(html).toContain(`<h1>${page.title}</h1>`);
      expect(html).toContain(page.detail);
      expect(html).toContain("What to do next");
      expect(html).toContain(page.nextStep);
      expect(html).toContain("You can close this tab.");
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    });
  }

  test("is self-contained: no script, nothing fetched from elsewhere, and a CSP that forbids it", () => {
    for (const page of [success, failure]) {
      const html = renderCallbackPage(page);
      expect(html).not.toContain("<script");
      expect(html).not.toMatch(/(?:src|href)="(?!data:)/);
      expect(html).not.toMatch(/url\(|@import|https?:\/\//);
      expect(html).toContain("default-src 'none'");
      // An explicit empty icon, or the browser asks the callback server for /favicon.ico.
      expect(html).toContain('<link rel="icon" href="data:,">');
    }
  });

  test("success and error look different (colour and icon), so the outcome reads at a glance", () => {
    const ok = renderCallbackPage(success);
    const bad = renderCallbackPage(failure);
    expect(ok).toContain("#1a7f37");
    expect(bad).toContain("#c4281c");
    expect(ok).not.toContain("#c4281c");
    expect(ok.match(/<svg[\s\S]*?<\/svg>/)?.[0]).not.toBe(bad.match(/<svg[\s\S]*?<\/svg>/)?.[0]);
  });

  test("escapes every field", () => {
    const html = renderCallbackPage({
      outcome: "error",
      title: "<b>t</b>",
      detail: `<img src=x onerror="alert(1)">`,
      nextStep: "a & 'b'",
    });
    expect(html).not.toContain("<b>t</b>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("a &amp; &#39;b&#39;");
  });
});
