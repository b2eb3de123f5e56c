// Passkeys (WebAuthn): adding one, and signing in or passing the second step with one.
// Only where the browser supports passkeys; without this file, or without support, the
// pages' own forms (password and authenticator code) do everything.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) { return; }

  function toBytes(value) {
    var text = value.replace(/-/g, "+").replace(/_/g, "/");
    while (text.length % 4) { text += "="; }
    var raw = atob(text), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function described(list) {
    (list || []).forEach(function (c) { c.id = toBytes(c.id); });
    return list;
  }

  function asJSON(credential) {
    var r = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: { clientDataJSON: toText(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      if (r.userHandle) { out.response.userHandle = toText(r.userHandle); }
    }
    return out;
  }

  function post(form, url, body) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") === -1) {
        throw { detail: "Something went wrong. Reload the page and try again." };
      }
      return response.json().then(function (data) {
        if (!response.ok) { throw data; }
        return data;
      });
    });
  }

  function messageOf(error) {
    if (error && error.detail) { return error; }
    if (error && error.name === "NotAllowedError") {
      return { detail: "The passkey was not used: it was cancelled, or took too long. Try again." };
    }
    if (error && error.name === "InvalidStateError") {
      return { detail: "This device already has a passkey for your Haven account." };
    }
    return { detail: "The passkey did not work. Try again, or use your code instead." };
  }

  function showError(box, error, field) {
    var problem = messageOf(error);
    box.querySelector("[data-passkey-error-text]").textContent = problem.detail;
    box.hidden = false;
    box.focus();
    if (field) {
      var fieldError = problem.errors && problem.errors[field.name];
      field.setAttribute("aria-invalid", fieldError ? "true" : "false");
    }
  }

  // Offering a passkey beside the authenticator app (setting up the first second factor).
  Array.prototype.forEach.call(document.querySelectorAll("[data-passkey-offer]"), function (offer) {
    offer.hidden = false;
  });

  // Adding a passkey (the passkeys page, and the set-up page's offer).
  var register = document.querySelector("[data-passkey-register]");
  if (register) {
    register.hidden = false;
    var unsupported = document.querySelector("[data-passkey-unsupported]");
    if (unsupported) { unsupported.hidden = true; }
    var nameField = register.querySelector("input[name=name]");
    var registerError = register.querySelector("[data-passkey-error]");
    register.addEventListener("submit", function (event) {
      event.preventDefault();
      registerError.hidden = true;
      post(register, register.getAttribute("data-options-url"), { name: nameField.value })
        .then(function (options) {
          options.challenge = toBytes(options.challenge);
          options.user.id = toBytes(options.user.id);
          options.excludeCredentials = described(options.excludeCredentials);
          return navigator.credentials.create({ publicKey: options });
        })
        .then(function (credential) {
          return post(register, register.getAttribute("data-verify-url"), { credential: asJSON(credential) });
        })
        .then(function (done) { window.location.assign(done.redirect); })
        .catch(function (error) {
          // Too long since the second factor was given: send the form itself, so the server
          // keeps the name typed and asks the person to confirm it is them first.
          if (error && error.step_up) { register.submit(); return; }
          showError(registerError, error, nameField);
        });
    });
  }

  // Signing in with a passkey, or using one as the second step.
  Array.prototype.forEach.call(document.querySelectorAll("[data-passkey-use]"), function (section) {
    section.hidden = false;
    var form = section.querySelector("form");
    var useError = section.querySelector("[data-passkey-error]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      useError.hidden = true;
      post(form, section.getAttribute("data-options-url"), {})
        .then(function (options) {
          options.challenge = toBytes(options.challenge);
          options.allowCredentials = described(options.allowCredentials);
          return navigator.credentials.get({ publicKey: options });
        })
        .then(function (credential) {
          return post(form, section.getAttribute("data-verify-url"), {
            credential: asJSON(credential),
            next: section.getAttribute("data-next") || ""
          });
        })
        .then(function (done) { window.location.assign(done.redirect); })
        .catch(function (error) { showError(useError, error, null); });
    });
  });
})();
