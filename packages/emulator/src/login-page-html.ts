/**
 * The login page the dialog redirects to. Like the real SPA it calls the service endpoints with
 * fetch (credentials included) and finally navigates to the redirectUri that R5 returns.
 *
 * Self-contained (no external assets) and checked in a real browser by the CLI's Chromium test. The script
 * validates shapes before asking the service, so a mistyped PIN never counts toward the lock-out, and it
 * turns every failure (service error, non-JSON answer, emulator gone) into a sentence in the page.
 */
export function loginPageHtml(appVersion: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Upstox login (emulator)</title>
<style>
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin: 0; padding: 1rem; background: #f3f1f8; color: #1d1b22;
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 24rem; margin: 8vh auto 2rem; background: #fff; padding: 2rem; border-radius: 12px;
    border: 1px solid #e3dff0; box-shadow: 0 8px 24px #2a1a5210; }
  .brand { display: flex; align-items: center; gap: .5rem; margin: 0 0 1.25rem; font-weight: 700; color: #5a2ca0; }
  .badge { font-size: .7rem; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: #7a5a00;
    background: #fff4d1; border: 1px solid #f0d88a; border-radius: 999px; padding: .05rem .5rem; }
  h1 { font-size: 1.4rem; line-height: 1.25; margin: 0; }
  .note { color: #5f5a6b; font-size: .88rem; margin: .35rem 0 1.25rem; }
  .step { color: #5a2ca0; font-size: .8rem; font-weight: 600; letter-spacing: .05em; text-transform: uppercase; margin: 0 0 .5rem; }
  label { display: block; font-weight: 600; margin-bottom: .15rem; }
  .hint { color: #5f5a6b; font-size: .85rem; margin: 0 0 .5rem; }
  input { width: 100%; padding: .65rem .75rem; font: inherit; font-size: 1.1rem; letter-spacing: .12em;
    border: 1px solid #a8a1b8; border-radius: 8px; margin-bottom: 1rem; }
  input:focus { outline: 3px solid #5a2ca044; border-color: #5a2ca0; }
  input[aria-invalid="true"] { border-color: #b3261e; }
  button { font: inherit; cursor: pointer; }
  .primary { width: 100%; padding: .7rem; font-weight: 600; background: #5a2ca0; color: #fff; border: 0; border-radius: 8px; }
  .primary:hover { background: #4a2287; }
  .primary:disabled { opacity: .6; cursor: progress; }
  .link { display: block; margin: .75rem auto 0; padding: .25rem; background: none; border: 0; color: #5a2ca0;
    text-decoration: underline; font-size: .9rem; }
  .status { background: #f1ecfa; color: #3b1d6e; padding: .6rem .75rem; border-radius: 8px; margin: 0 0 1rem; font-size: .92rem; }
  #error { color: #8c1d18; background: #fdecea; border: 1px solid #f3b8b3; padding: .6rem .75rem; border-radius: 8px;
    margin: 0 0 1rem; font-size: .92rem; overflow-wrap: anywhere; }
  @media (max-width: 30rem) { body { padding: .75rem; } main { margin-top: 1rem; padding: 1.5rem 1.25rem; } }
</style>
</head>
<body>
<main>
  <p class="brand">Upstox <span class="badge">Emulator</span></p>
  <h1>Log in to Upstox</h1>
  <p class="note">A local stand-in for rehearsals: use the emulator's demo account. Nothing here reaches the real Upstox.</p>
  <p id="step" class="step">Step 1 of 3 · Mobile number</p>
  <p id="status" class="status" aria-live="polite" hidden></p>
  <p id="error" role="alert" hidden></p>
  <form id="mobile-form" novalidate>
    <label for="mobile">Mobile number</label>
    <p id="mobile-hint" class="hint">The 10-digit number registered with Upstox.</p>
    <input id="mobile" name="mobile" type="tel" inputmode="tel" autocomplete="tel-national" maxlength="16" aria-describedby="mobile-hint" required>
    <button id="get-otp" name="get-otp" class="primary" type="submit">Get OTP</button>
  </form>
  <form id="otp-form" hidden novalidate>
    <label for="otp">Authenticator code (TOTP)</label>
    <p id="otp-hint" class="hint">The 6-digit code your authenticator app shows for this account.</p>
    <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="7" aria-describedby="otp-hint" required>
    <button id="verify-otp" name="verify-otp" class="primary" type="submit">Continue</button>
    <button id="change-mobile" class="link" type="button">Use a different mobile number</button>
  </form>
  <form id="pin-form" hidden novalidate>
    <label for="pin">6-digit PIN</label>
    <p id="pin-hint" class="hint">Your Upstox login PIN. Five wrong PINs lock the account.</p>
    <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password" maxlength="6" aria-describedby="pin-hint" required>
    <button id="submit-pin" name="submit-pin" class="primary" type="submit">Log in</button>
  </form>
  <noscript><p>This page needs JavaScript. Without a browser, call the login service endpoints directly.</p></noscript>
</main>
<script>
(function () {
  "use strict";
  var query = new URLSearchParams(location.search);
  var APP_VERSION = ${JSON.stringify(appVersion)};
  var deviceDetails = "platform=WEB|osName=" + (navigator.platform || "unknown") + "|osVersion=browser|appVersion=" +
    APP_VERSION + "|modelName=browser|manufacturer=unknown";
  // Service codes after which this login cannot go on: the user starts again from the mobile number.
  var RESTART_CODES = [1017076, 1017105, 4000001];
  var ACCOUNT_LOCKED = 1017090;
  var STEPS = { "mobile-form": "Step 1 of 3 · Mobile number", "otp-form": "Step 2 of 3 · Authenticator code",
    "pin-form": "Step 3 of 3 · PIN" };
  var validateOtpToken = null;
  var errorBox = document.getElementById("error");
  var statusBox = document.getElementById("status");

  function hex(n) {
    var s = "";
    for (var i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(Math.random() * 16)];
    return s;
  }
  function loginQuery() {
    return "client_id=" + encodeURIComponent(query.get("client_id") || "") +
      "&redirect_uri=" + encodeURIComponent(query.get("redirect_uri") || "");
  }
  function failure(message, code) {
    var error = new Error(message);
    error.code = code;
    return error;
  }
  function call(path, data) {
    return fetch(path, {
      method: "POST",
      mode: "cors",
      credentials: "include",
      headers: { "Content-Type": "application/json", "X-Device-Details": deviceDetails, "X-Request-ID": "WPRO-" + hex(10) },
      body: JSON.stringify({ data: data })
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (e) {
          throw failure("The login service answered with HTTP " + response.status + " and no readable message. Try again.");
        }
      });
    }, function () {
      throw failure("The login service cannot be reached. Check that the emulator is still running, then try again.");
    }).then(function (body) {
      if (!body || body.success === false || body.error) {
        var error = (body && body.error) || {};
        throw failure((error.message || "The request failed") + (error.code ? " [" + error.code + "]" : ""), error.code);
      }
      return body.data || {};
    });
  }
  function say(box, text) {
    box.textContent = text || "";
    box.hidden = !text;
  }
  function show(formId) {
    ["mobile-form", "otp-form", "pin-form"].forEach(function (id) {
      document.getElementById(id).hidden = id !== formId;
    });
    document.getElementById("step").textContent = STEPS[formId];
    var input = document.querySelector("#" + formId + " input");
    if (input) { input.value = ""; input.removeAttribute("aria-invalid"); input.focus(); }
  }
  function busy(form, on) {
    form.querySelector("button[type=submit]").disabled = on;
  }
  /** Runs a step on submit; a failure is shown in the page, next to the field it is about. */
  function handle(formId, step) {
    var form = document.getElementById(formId);
    var input = form.querySelector("input");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.querySelector("button[type=submit]").disabled) return;
      say(errorBox, "");
      input.removeAttribute("aria-invalid");
      busy(form, true);
      Promise.resolve().then(function () { return step(input.value); }).then(function (done) {
        if (!done) busy(form, false);
      }, function (error) {
        busy(form, false);
        if (RESTART_CODES.indexOf(error.code) >= 0) {
          say(statusBox, "");
          show("mobile-form");
          say(errorBox, error.message + " Start again with your mobile number.");
          return;
        }
        if (error.code === ACCOUNT_LOCKED) busy(form, true);
        say(errorBox, error.message);
        input.setAttribute("aria-invalid", "true");
        input.focus();
      });
    });
  }
  function digits(text) {
    return String(text).replace(/[\\s().-]/g, "");
  }

  handle("mobile-form", function (value) {
    var mobile = digits(value).replace(/^(?:\\+?91|0)(?=\\d{10}$)/, "");
    if (!/^[6-9]\\d{9}$/.test(mobile)) {
      throw failure("Enter the 10-digit mobile number (it starts with 6, 7, 8 or 9; +91 is optional).");
    }
    return call("/login/open/v6/auth/1fa/otp/generate", { mobileNumber: mobile, userId: query.get("user_id") })
      .then(function (data) {
        validateOtpToken = data.validateOTPToken;
        show("otp-form");
        say(statusBox, "Mobile number ending " + mobile.slice(-4) + ". Enter the code from your authenticator app.");
      });
  });
  handle("otp-form", function (value) {
    var otp = digits(value);
    if (!/^\\d{6}$/.test(otp)) throw failure("The code has 6 digits. Enter the one your authenticator app shows now.");
    return call("/login/open/v4/auth/1fa/otp-totp/verify", { otp: otp, validateOtpToken: validateOtpToken })
      .then(function (data) {
        var profile = data.userProfile || {};
        var name = [profile.firstName, profile.lastName].filter(Boolean).join(" ");
        show("pin-form");
        say(statusBox, name ? "Code accepted for " + name + (profile.userId ? " (" + profile.userId + ")" : "") + "." : "Code accepted.");
      });
  });
  handle("pin-form", function (value) {
    var pin = value.trim();
    if (!/^\\d{6}$/.test(pin)) throw failure("The PIN has 6 digits. Nothing was sent, so this try does not count.");
    return call("/login/open/v3/auth/2fa?" + loginQuery(), { twoFAMethod: "SECRET_PIN", inputText: btoa(pin) })
      .then(function () {
        return call("/login/v2/oauth/authorize?" + loginQuery() + "&requestId=PW3" + hex(10) + "&response_type=code",
          { userOAuthApproval: true });
      })
      .then(function (data) {
        if (!data.isApproved || !data.redirectUri) throw failure("The app's access was not approved. Start the login again.");
        say(statusBox, "Logged in. Taking you back to the app…");
        location.assign(data.redirectUri);
        return true;
      });
  });
  document.getElementById("change-mobile").addEventListener("click", function () {
    say(errorBox, "");
    say(statusBox, "");
    show("mobile-form");
  });
  document.getElementById("mobile").focus();
})();
</script>
</body>
</html>
`;
}
