import type { EmulatorState } from "../emulator-state.js";
import type { HttpExchange } from "../http-exchange.js";
import { loginPageHtml } from "../login-page-html.js";

/** `GET /login/v2/oauth/authorize`: the login page (R5 is the POST on the same path). */
export function handleLoginPage(ex: HttpExchange, state: EmulatorState) {
  ex.html(200, loginPageHtml(state.config.minAppVersion ?? "4.0.0"));
}
