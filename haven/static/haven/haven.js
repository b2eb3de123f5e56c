// Haven enhancements. Every page works without this file.
(function () {
  "use strict";
  var body = document.body;

  // "Hide screen": cover the page at once when a pupil walks up to the desk.
  var hide = document.querySelector("[data-hide-screen]");
  var cover = document.getElementById("screen-cover");
  if (hide && cover) {
    hide.addEventListener("click", function (event) {
      event.preventDefault();
      cover.hidden = false;
      document.title = "Haven";
      document.getElementById("screen-uncover").focus();
    });
    document.getElementById("screen-uncover").addEventListener("click", function () {
      cover.hidden = true;
      hide.focus();
    });
  }

  // Naming children on a concern: suggestions as you type, from the school's roll.
  // Without this the server matches what was typed and asks which pupil if several match.
  var suggestions = document.getElementById("pupil-suggestions");
  var pending;
  Array.prototype.forEach.call(document.querySelectorAll("[data-pupil-search]"), function (input) {
    input.addEventListener("input", function () {
      clearTimeout(pending);
      var q = input.value.trim();
      if (q.length < 2 || q.indexOf("#") !== -1) { return; }
      pending = setTimeout(function () {
        fetch(input.getAttribute("data-pupil-search") + "&q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { pupils: [] }; })
          .then(function (data) {
            suggestions.textContent = "";
            data.pupils.forEach(function (p) {
              var option = document.createElement("option");
              option.value = p.label;
              suggestions.appendChild(option);
            });
          });
      }, 200);
    });
  });

  // Idle timeout: warn five minutes before the server ends the session.
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (!idle) { return; }
  var warning = document.getElementById("idle-warning");
  var form = document.getElementById("keepalive-form");
  var warnAfter = Math.max(idle - 300, Math.floor(idle * 0.8)) * 1000;
  var warnTimer, endTimer;
  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      warning.hidden = false;
      document.getElementById("idle-stay").focus();
    }, warnAfter);
    endTimer = setTimeout(function () {
      window.location.assign(body.getAttribute("data-signin-url"));
    }, idle * 1000);
  }
  document.getElementById("idle-stay").addEventListener("click", function () {
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { if (r.status === 204) { warning.hidden = true; schedule(); } else { window.location.reload(); } });
  });
  schedule();
})();
