/**
 * The login page the dialog redirects to. Like the real SPA it calls the service endpoints with
 * fetch (credentials included) and finally navigates to the redirectUri that R5 returns.
 */
export function loginPageHtml(appVersion: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upstox login (emulator)</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f4f8; margin: 0; }
  main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .note { color: #666; font-size: .85rem; margin: 0 0 1.5rem; }
  label { display: block; font-weight: 600; margin-bottom: .35rem; }
  input { box-sizing: border-box; width: 100%; padding: .6rem; font-size: 1rem; margin-bottom: 1rem; letter-spacing: .1em; }
  button { width: 100%; padding: .7rem; font-size: 1rem; background: #5a2ca0; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  button:disabled { opacity: .6; }
  #error { color: #b00020; background: #fde8ec; padding: .6rem; border-radius: 4px; }
</style>
</head>
<body>
<main>
  <h1>Log in to Upstox</h1>
  <p class="note">Local Upstox emulator: not the real service.</p>
  <p id="error" role="alert" hidden></p>
  <form id="mobile-form" novalidate>
    <label for="mobile">Mobile number</label>
    <input id="mobile" name="mobile" type="tel" inputmode="numeric" autocomplete="tel-national" maxlength="10" required>
    <button id="get-otp" name="get-otp" type="submit">Get OTP</button>
  </form>
  <form id="otp-form" hidden novalidate>
    <label for="otp">OTP / TOTP</label>
    <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
    <button id="verify-otp" name="verify-otp" type="submit">Continue</button>
  </form>
  <form id="pin-form" hidden novalidate>
    <label for="pin">6-digit PIN</label>
    <input id="pin" name="pin" type="password" inputmode="numeric" maxlength="6" required>
    <button id="submit-pin" name="submit-pin" type="submit">Continue</button>
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
  var validateOtpToken = null;
  var errorBox = document.getElementById("error");

  function hex(n) {
    var s = "";
    for (var i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(Math.random() * 16)];
    return s;
  }
  function loginQuery() {
    return "client_id=" + encodeURIComponent(query.get("client_id") || "") +
      "&redirect_uri=" + encodeURIComponent(query.get("redirect_uri") || "");
  }
  function call(path, data) {
    return fetch(path, {
      method: "POST",
      mode: "cors",
      credentials: "include",
      headers: { "Content-Type": "application/json", "X-Device-Details": deviceDetails, "X-Request-ID": "WPRO-" + hex(10) },
      body: JSON.stringify({ data: data })
    }).then(function (response) {
      return response.json();
    }).then(function (body) {
      if (!body || body.success === false || body.error) {
        var error = (body && body.error) || {};
        throw new Error((error.message || "Request failed") + (error.code ? " [" + error.code + "]" : ""));
      }
      return body.data;
    });
  }
  function show(formId) {
    ["mobile-form", "otp-form", "pin-form"].forEach(function (id) {
      document.getElementById(id).hidden = id !== formId;
    });
    var input = document.querySelector("#" + formId + " input");
    if (input) { input.value = ""; input.focus(); }
  }
  function busy(form, on) {
    form.querySelector("button").disabled = on;
  }
  function handle(formId, step) {
    var form = document.getElementById(formId);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      busy(form, true);
      step(form).then(function () { busy(form, false); }, function (error) {
        busy(form, false);
        errorBox.textContent = error.message;
        errorBox.hidden = false;
      });
    });
  }

  handle("mobile-form", function () {
    var mobile = document.getElementById("mobile").value.trim();
    return call("/login/open/v6/auth/1fa/otp/generate", { mobileNumber: mobile, userId: query.get("user_id") })
      .then(function (data) { validateOtpToken = data.validateOTPToken; show("otp-form"); });
  });
  handle("otp-form", function () {
    var otp = document.getElementById("otp").value.trim();
    return call("/login/open/v4/auth/1fa/otp-totp/verify", { otp: otp, validateOtpToken: validateOtpToken })
      .then(function () { show("pin-form"); });
  });
  handle("pin-form", function () {
    var pin = document.getElementById("pin").value.trim();
    return call("/login/open/v3/auth/2fa?" + loginQuery(), { twoFAMethod: "SECRET_PIN", inputText: btoa(pin) })
      .then(function () {
        return call("/login/v2/oauth/authorize?" + loginQuery() + "&requestId=PW3" + hex(10) + "&response_type=code",
          { userOAuthApproval: true });
      })
      .then(function (data) {
        if (!data.isApproved || !data.redirectUri) throw new Error("Authorization was not approved");
        location.assign(data.redirectUri);
      });
  });
  document.getElementById("mobile").focus();
})();
</script>
</body>
</html>
`;
}
