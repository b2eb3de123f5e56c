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

  // "Which app, game or website" shows once the place is online (or it has words in it).
  // Without this it always shows.
  var place = document.getElementById("id_location");
  var online = document.querySelector("[data-online-only]");
  if (place && online) {
    var platform = online.querySelector("input");
    var showOnline = function () { online.hidden = place.value !== "online" && !platform.value; };
    place.addEventListener("change", showOnline);
    showOnline();
  }

  // The body map on the concern form: a tap on a part of the outline chooses it for the mark
  // being filled in (the last one touched if its part is not chosen yet, else the first mark
  // with no part) and moves to its words.
  // Without this each mark's list of parts of the body does the same.
  var map = document.querySelector("[data-body-map]");
  if (map) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-mark-row]"));
    var current = null;
    rows.forEach(function (row) {
      row.addEventListener("focusin", function () { current = row; });
    });
    map.addEventListener("click", function (event) {
      var code = event.target.getAttribute && event.target.getAttribute("data-region");
      if (!code) { return; }
      var empty = rows.filter(function (r) { return !r.querySelector("select").value; });
      var row = current && empty.indexOf(current) !== -1 ? current : empty[0];
      if (!row) { return; }
      var closed = row.closest("details:not([open])");
      if (closed) { closed.open = true; }
      row.querySelector("select").value = code;
      row.querySelector("input").focus();
      current = null;
    });
  }

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
