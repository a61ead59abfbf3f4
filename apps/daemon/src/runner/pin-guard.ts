import { pathOf } from "./paced-fetch.js";

export type PinState = "not-sent" | "accepted" | "unconfirmed";

/**
 * Watches the PIN step (2FA) of one refresh cycle through the fetch the flow uses. A PIN that Upstox accepted
 * may be sent again by a retry; a PIN whose answer we never saw (timeout, 5xx, dropped connection) or that was
 * refused may have counted toward the lock-out after about five wrong PINs, so the cycle sends no further PIN.
 */
export class PinGuard {
  #state: PinState = "not-sent";
  readonly #twoFaPath: string;

  constructor(twoFaPath: string) {
    this.#twoFaPath = twoFaPath;
  }

  get state(): PinState {
    return this.#state;
  }

  /** True once the cycle must not send the PIN again. */
  get blocksRetry(): boolean {
    return this.#state === "unconfirmed";
  }

  wrap(inner: typeof fetch): typeof fetch {
    const guarded = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      if (pathOf(input) !== this.#twoFaPath) return inner(input, init);
      if (this.#state === "unconfirmed") {
        throw new Error("PIN guard: the PIN was already sent in this cycle without a confirmed answer");
      }
      this.#state = "unconfirmed";
      const response = await inner(input, init);
      if (response.ok && (await isSuccessBody(response.clone()))) this.#state = "accepted";
      return response;
    };
    return guarded as typeof fetch;
  }
}

async function isSuccessBody(response: Response): Promise<boolean> {
  try {
    const body = (await response.json()) as { success?: unknown; status?: unknown; error?: unknown };
    return body.success !== false && body.status !== "error" && !body.error;
  } catch {
    return false;
  }
}
