/** An error as shown outside the process (status body, webhooks): Upstox's field style, no stack, no cause. */
export interface PublicError {
  code: string;
  message: string;
  hint: string | null;
  upstox_code: string | null;
}

// A JWT (Upstox access tokens are JWTs) that slipped into an error message is masked, defence in depth.
const JWT_LIKE = /eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*/g;

export function maskTokens(text: string): string {
  return text.replace(JWT_LIKE, "***");
}

export function publicError(error: {
  code: string;
  message: string;
  hint?: string | undefined;
  upstoxCode?: string | undefined;
}): PublicError {
  return {
    code: error.code,
    message: maskTokens(error.message),
    hint: error.hint === undefined ? null : maskTokens(error.hint),
    upstox_code: error.upstoxCode ?? null,
  };
}
