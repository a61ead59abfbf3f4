import { CookieJar } from "tough-cookie";

/**
 * The cookies of one login (R1–R5): the login service keeps its session in cookies set on OTP verify and 2FA.
 * A new jar per login; the token exchange (R6) sends none.
 */
export class LoginCookieJar {
  readonly #jar = new CookieJar();

  /** The Cookie header for a request to `url`, or undefined when there is none. */
  async header(url: string): Promise<string | undefined> {
    const value = await this.#jar.getCookieString(url);
    return value === "" ? undefined : value;
  }

  /** Stores the Set-Cookie headers of a response to `url`; malformed cookies are skipped. */
  async store(url: string, headers: Headers): Promise<void> {
    for (const cookie of headers.getSetCookie()) {
      await this.#jar.setCookie(cookie, url, { ignoreError: true });
    }
  }

  /** Names of the stored cookies for `url` (values are session secrets and never leave the jar). */
  async names(url: string): Promise<string[]> {
    return (await this.#jar.getCookies(url)).map((c) => c.key);
  }
}
