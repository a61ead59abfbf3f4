/**
 * Encrypts tokens at rest with AES-256-GCM (WebCrypto, so it runs the same under Node and Bun).
 *
 * The key comes from an environment variable: base64 of exactly 32 bytes is used as the key itself; anything
 * else is treated as a passphrase and stretched with HKDF-SHA-256 over a random per-database salt. HKDF does not
 * slow down guessing, so a passphrase must be long and random (`openssl rand -base64 32` gives a proper key).
 */
export const CIPHER_NAME = "aes-256-gcm";
const IV_BYTES = 12;
const KEY_INFO = new TextEncoder().encode("upstox-token/sink-sqlite/token-key/v1");

export class TokenCipher {
  readonly #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /** `keyMaterial` is the environment variable's value; `salt` is the database's own (see meta table). */
  static async fromKeyMaterial(keyMaterial: string, salt: Uint8Array): Promise<TokenCipher> {
    const raw = decodeRawKey(keyMaterial);
    const subtle = globalThis.crypto.subtle;
    if (raw) {
      const key = await subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
      return new TokenCipher(key);
    }
    const base = await subtle.importKey("raw", new TextEncoder().encode(keyMaterial), "HKDF", false, [
      "deriveKey",
    ]);
    const key = await subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: toArrayBuffer(salt), info: KEY_INFO },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    return new TokenCipher(key);
  }

  /** Returns base64(iv ‖ ciphertext ‖ tag). `context` is bound as associated data (a row cannot be moved). */
  async encrypt(plaintext: string, context: string): Promise<string> {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
      this.#key,
      new TextEncoder().encode(plaintext),
    );
    const out = new Uint8Array(IV_BYTES + sealed.byteLength);
    out.set(iv, 0);
    out.set(new Uint8Array(sealed), IV_BYTES);
    return Buffer.from(out).toString("base64");
  }

  /** Throws (an OperationError without any plaintext) when the key or the context is wrong. */
  async decrypt(sealed: string, context: string): Promise<string> {
    const bytes = new Uint8Array(Buffer.from(sealed, "base64"));
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: new TextEncoder().encode(context) },
      this.#key,
      bytes.subarray(IV_BYTES),
    );
    return new TextDecoder().decode(plain);
  }
}

function decodeRawKey(value: string): Uint8Array<ArrayBuffer> | undefined {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, "base64");
  return bytes.length === 32 ? new Uint8Array(bytes) : undefined;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
