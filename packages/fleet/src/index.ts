export { type DayOutcome, Fleet } from "./fleet.js";
export { STALLED_REASON } from "./fleet-keys.js";
export type { FleetState } from "./fleet-state.js";
export type { OtpLimit } from "./otp-budget.js";
export { type LedgerPinState, PinLedger, type PinRecord } from "./pin-ledger.js";
export { Sweeper, type SweepVerdict } from "./sweeper.js";
export { jobIdFor, parseJobId, tradingDay } from "./trading-day.js";
export type { CycleContext, CycleResult, FleetJobData, FleetOptions } from "./types.js";
