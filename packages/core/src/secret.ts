const REDACTED = "***";
const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * A value that must never be printed. `toString`, `toJSON`, template literals and `console.log`/`util.inspect`
 * all show `***`; call `reveal()` where the real value is needed (and only there).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspectSymbol](): string {
    return `Secret(${REDACTED})`;
  }
}

export function secret(value: string): Secret {
  return new Secret(value);
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** Masks a token for display: keeps a short head and tail so two tokens can be told apart. */
export function maskToken(token: string): string {
  if (token.length <= 16) return REDACTED;
  return `${token.slice(0, 6)}…${token.slice(-4)}`;
}
