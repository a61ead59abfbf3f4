export { DEMO_APP, DEMO_USER } from "./demo-account.js";
export { ALGO_REVIEW_CODE } from "./error-catalogue.js";
export { startEmulator } from "./start-emulator.js";
export { upstoxExpiryMs } from "./token-expiry.js";
export type {
  Emulator,
  EmulatorApp,
  EmulatorAppInput,
  EmulatorOptions,
  EmulatorStep,
  EmulatorUser,
  EmulatorUserInput,
  FaultSpec,
  IssuedToken,
  RequestLogEntry,
  TokenRequestApproval,
} from "./types.js";
