// Quick exit: leave at once and replace this page in the history, so Back does not return.
// Without JavaScript the button is a plain link to the same neutral page.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-quick-exit]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.body.hidden = true;
      window.location.replace(link.href);
    });
  });
})();
