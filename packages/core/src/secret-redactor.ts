import { isSecret, type Secret } from "./secret.js";

const MASK = "***";
/** Values shorter than this are not masked: a 1–3 character "secret" would shred ordinary text. */
const MIN_LENGTH = 4;

/**
 * The one scrubber for text that arrives from outside (an Upstox error message, a Redis error, a hook's
 * output): every configured secret value is masked, in the forms it may come back in (as given, base64 as
 * the PIN is sent, URL-encoded as form bodies carry it). Longest values first, so a token that contains a
 * shorter secret is still masked whole.
 */
export class SecretRedactor {
  readonly #values = new Set<string>();
  /** Values by their first MIN_LENGTH characters, longest first; rebuilt on the first redact after an add. */
  #index: Map<string, string[]> | undefined;

  constructor(values: Iterable<string | Secret | undefined | null> = []) {
    for (const value of values) this.add(value);
  }

  /** Registers a secret value (and its encoded forms). Undefined and short values are ignored. */
  add(value: string | Secret | undefined | null): this {
    if (value === undefined || value === null) return this;
    const plain = isSecret(value) ? value.reveal() : value;
    if (plain.length < MIN_LENGTH) return this;
    for (const form of [plain, Buffer.from(plain, "utf8").toString("base64"), encodeURIComponent(plain)]) {
      if (form.length >= MIN_LENGTH && !this.#values.has(form)) {
        this.#values.add(form);
        this.#index = undefined;
      }
    }
    return this;
  }

  /** A redactor that masks this one's values and the other's. */
  merge(other: SecretRedactor): SecretRedactor {
    const merged = new SecretRedactor(this.#values);
    for (const value of other.#values) merged.add(value);
    return merged;
  }

  get size(): number {
    return this.#values.size;
  }

  /**
   * Masks every occurrence of every value. One pass over the text, whatever the number of values (a daemon
   * with 500 accounts holds thousands): at each position the values that start with the next few characters
   * are tried, longest first, and overlapping matches are masked as one span so no piece of a secret is left.
   */
  redact(text: string): string {
    if (this.#values.size === 0 || text.length < MIN_LENGTH) return text;
    const index = this.#buildIndex();
    let out = "";
    let copied = 0;
    let start = -1;
    let end = -1;
    for (let i = 0; i + MIN_LENGTH <= text.length; i++) {
      const hit = index.get(text.slice(i, i + MIN_LENGTH))?.find((value) => text.startsWith(value, i));
      if (hit === undefined) continue;
      if (start >= 0 && i < end) {
        end = Math.max(end, i + hit.length);
        continue;
      }
      if (start >= 0) {
        out += text.slice(copied, start) + MASK;
        copied = end;
      }
      start = i;
      end = i + hit.length;
    }
    if (start < 0) return text;
    return out + text.slice(copied, start) + MASK + text.slice(end);
  }

  #buildIndex(): Map<string, string[]> {
    if (this.#index) return this.#index;
    const index = new Map<string, string[]>();
    for (const value of this.#values) {
      const key = value.slice(0, MIN_LENGTH);
      const list = index.get(key);
      if (list) list.push(value);
      else index.set(key, [value]);
    }
    for (const list of index.values()) list.sort((a, b) => b.length - a.length);
    this.#index = index;
    return index;
  }

  /** Redacts every string inside a JSON-like value (objects, arrays), leaving other values alone. */
  redactDeep<T>(value: T): T {
    if (typeof value === "string") return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item)) as T;
    if (value !== null && typeof value === "object" && !isSecret(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.redactDeep(item);
      return out as T;
    }
    return value;
  }
}
