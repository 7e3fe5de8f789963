// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  function detectTimezone(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) { return; }
    root.querySelectorAll("select[data-detect-timezone]").forEach(function (select) {
      if (select.dataset.userChanged) { return; }
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
      if (option && (select.value === "UTC" || select.value === "")) { select.value = zone; }
    });
  }

  function wireCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.wired) { return; }
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copyTarget);
        if (!input) { return; }
        input.select();
        var done = function () {
          var status = document.getElementById(button.dataset.copyStatus);
          if (status) { status.textContent = button.dataset.copiedText || "Copied"; }
        };
        if (navigator.clipboard) { navigator.clipboard.writeText(input.value).then(done, function () {}); }
      });
    });
  }

  function init(root) { detectTimezone(root); wireCopyButtons(root); }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    init(event.target);
    // Move focus to a swapped-in element that asks for it, so keyboard and screen reader users follow.
    var target = event.target.querySelector("[data-focus-after-swap]") || (event.target.matches && event.target.matches("[data-focus-after-swap]") ? event.target : null);
    // Only make it focusable when it is not already: tabindex="-1" on a button would drop it from the tab order.
    if (target) { if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); } target.focus(); }
  });
})();
