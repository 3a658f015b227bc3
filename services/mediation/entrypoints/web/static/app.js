// GridCase web app: announces live events in the status region. No inline script on
// any page (a strict Content-Security-Policy holds); htmx does the rest from attributes.
(function () {
  "use strict";
  var QUIET_MS = 5000; // a stream that comes back within this is not worth announcing
  var dropped = null;
  var announced = false;

  function say(text) {
    var region = document.getElementById("live-status");
    if (region && text) { region.textContent = text; }
  }
  function message(name) { return document.body.getAttribute(name) || ""; }

  document.addEventListener("htmx:sseMessage", function (event) {
    if (event.detail && event.detail.type === "case-assigned") { say(event.detail.data); }
  });
  // After a step is taken (or refused), focus the message or the first field in error,
  // so keyboard and screen-reader users land where the answer is.
  document.addEventListener("htmx:afterSettle", function () {
    var root = document.getElementById("case-work");
    if (!root || !root.querySelector("[data-focus]")) { return; }
    var target = root.querySelector("[aria-invalid='true']") || root.querySelector("[data-focus]");
    if (target) { target.focus(); }
  });
  document.addEventListener("htmx:sseOpen", function () {
    document.body.setAttribute("data-live", "open");
    var opened = Number(document.body.getAttribute("data-live-opened") || "0") + 1;
    document.body.setAttribute("data-live-opened", String(opened));
    // Notices sent while the stream was down are not replayed: catch up instead.
    var results = document.getElementById("results");
    if (opened > 1 && results && window.htmx) { window.htmx.trigger(results, "live-reconnected"); }
    if (dropped !== null) { window.clearTimeout(dropped); dropped = null; }
    if (announced) { say(message("data-msg-reconnected")); announced = false; }
  });
  // "Select all on this page": ticks or clears every row's checkbox of the bulk form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-select-all")) { return; }
    var name = box.getAttribute("data-select-all");
    var rows = document.querySelectorAll("#results input[type='checkbox'][name='" + name + "']");
    for (var i = 0; i < rows.length; i++) { rows[i].checked = box.checked; }
  });
  // After a bulk action, focus its answer so keyboard and screen-reader users hear it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var answer = document.getElementById("bulk-answer");
    if (answer && event.detail && event.detail.target && event.detail.target.id === "bulk-results") {
      answer.focus();
    }
  });
  document.addEventListener("htmx:sseError", function () {
    document.body.setAttribute("data-live", "reconnecting");
    if (dropped === null) {
      dropped = window.setTimeout(function () {
        say(message("data-msg-reconnecting"));
        announced = true;
      }, QUIET_MS);
    }
  });
})();
