// GridCase web app: announces live events in the status region. No inline script on
// any page (a strict Content-Security-Policy holds); htmx does the rest from attributes.
(function () {
  "use strict";
  var status = function () { return document.getElementById("live-status"); };
  var dropped = false;

  document.addEventListener("htmx:sseMessage", function (event) {
    if (event.detail && event.detail.type === "case-assigned" && status()) {
      status().textContent = event.detail.data;
    }
  });
  document.addEventListener("htmx:sseOpen", function () {
    document.body.setAttribute("data-live", "open");
    if (dropped && status()) {
      status().textContent = document.body.getAttribute("data-msg-reconnected") || "";
    }
    dropped = false;
  });
  document.addEventListener("htmx:sseError", function () {
    document.body.setAttribute("data-live", "reconnecting");
    if (!dropped && status()) {
      status().textContent = document.body.getAttribute("data-msg-reconnecting") || "";
    }
    dropped = true;
  });
  // Focus the main heading region after a whole-page swap from history, so keyboard
  // users do not start again at the top bar.
  document.addEventListener("htmx:historyRestore", function () {
    var main = document.getElementById("main");
    if (main) { main.focus(); }
  });
})();
