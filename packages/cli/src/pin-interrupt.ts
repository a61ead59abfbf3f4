import type { PinState } from "@upstox-token/core";
import type { Output } from "./output.js";

/** What Ctrl-C during a headless login means for the PIN, in the state the login had reached. */
export function pinInterruptMessage(state: PinState): string {
  switch (state) {
    case "not-sent":
      return "interrupted before the PIN was sent: Upstox never saw it, and no token was stored. Running again is safe.";
    case "sent":
      return (
        "interrupted after the PIN was sent, before Upstox answered: it may have been accepted, or counted as a " +
        "failed attempt. No token was stored. Wait a minute before running again (repeated PIN failures lock the account)."
      );
    case "accepted":
      return "interrupted after Upstox accepted the PIN: the login did not finish and no token was stored. Running again is safe.";
    case "refused":
      return (
        "interrupted after Upstox refused the PIN: check UPSTOX_PIN_CODE before running again " +
        "(repeated PIN failures lock the account)."
      );
  }
}

/**
 * While `work` runs, Ctrl-C (SIGINT) says what happened to the PIN before the process ends with 130 (the
 * shell's code for an interrupt), instead of ending silently.
 */
export async function withPinInterruptNote<T>(
  out: Output,
  work: (onPinState: (state: PinState) => void) => Promise<T>,
): Promise<T> {
  let state: PinState = "not-sent";
  const onInterrupt = () => {
    out.note(pinInterruptMessage(state));
    process.exit(130);
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await work((next) => {
      state = next;
    });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}
