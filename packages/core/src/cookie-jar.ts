import type { CookieJar } from "tough-cookie";

/**
 * tough-cookie (with its public-suffix list) is loaded by the first login that uses a jar, not when core is
 * imported: a daemon whose tokens are all valid never logs in and never needs it.
 */
let toughCookie: Promise<typeof import("tough-cookie")> | undefined;
function loadToughCookie(): Promise<typeof import("tough-cookie")> {
  toughCookie ??= import("tough-cookie");
  return toughCookie;
}

/**
 * The cookies of one login (R1–R5): the login service keeps its session in cookies set on OTP verify and 2FA.
 * A new jar per login; the token exchange (R6) sends none.
 */
export class LoginCookieJar {
  /** Created by the first response that sets a cookie. */
  #jar: Promise<CookieJar> | undefined;

  #cookies(): Promise<CookieJar> {
    this.#jar ??= loadToughCookie().then((m) => new m.CookieJar());
    return this.#jar;
  }

  /** The Cookie header for a request to `url`, or undefined when there is none. */
  async header(url: string): Promise<string | undefined> {
    if (!this.#jar) return undefined;
    const value = await (await this.#cookies()).getCookieString(url);
    return value === "" ? undefined : value;
  }

  /** Stores the Set-Cookie headers of a response to `url`; malformed cookies are skipped. */
  async store(url: string, headers: Headers): Promise<void> {
    const cookies = headers.getSetCookie();
    if (cookies.length === 0) return;
    const jar = await this.#cookies();
    for (const cookie of cookies) {
      await jar.setCookie(cookie, url, { ignoreError: true });
    }
  }

  /** Names of the stored cookies for `url` (values are session secrets and never leave the jar). */
  async names(url: string): Promise<string[]> {
    if (!this.#jar) return [];
    return (await (await this.#cookies()).getCookies(url)).map((c) => c.key);
  }
}
