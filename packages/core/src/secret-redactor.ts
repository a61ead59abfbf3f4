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
  #values: string[] = [];

  constructor(values: Iterable<string | Secret | undefined | null> = []) {
    for (const value of values) this.add(value);
  }

  /** Registers a secret value (and its encoded forms). Undefined and short values are ignored. */
  add(value: string | Secret | undefined | null): this {
    if (value === undefined || value === null) return this;
    const plain = isSecret(value) ? value.reveal() : value;
    if (plain.length < MIN_LENGTH) return this;
    const forms = new Set([plain, Buffer.from(plain, "utf8").toString("base64"), encodeURIComponent(plain)]);
    for (const form of forms)
      if (form.length >= MIN_LENGTH && !this.#values.includes(form)) this.#values.push(form);
    this.#values.sort((a, b) => b.length - a.length);
    return this;
  }

  /** A redactor that masks this one's values and the other's. */
  merge(other: SecretRedactor): SecretRedactor {
    const merged = new SecretRedactor(this.#values);
    for (const value of other.#values) merged.add(value);
    return merged;
  }

  get size(): number {
    return this.#values.length;
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.#values) if (out.includes(value)) out = out.split(value).join(MASK);
    return out;
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
