// Availability grid (templates/formation/partials/_availability.html): press on an hour and drag across
// others to tick or untick them all. Progressive: every checkbox works on its own without this file.
(function () {
  "use strict";

  function wire(grid) {
    if (grid.dataset.wired) { return; }
    grid.dataset.wired = "1";
    var painting = null; // true: ticking, false: unticking, null: not dragging

    function boxOf(target) {
      var cell = target.closest && target.closest("td");
      return cell ? cell.querySelector("input[type=checkbox]") : null;
    }

    grid.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      var box = boxOf(event.target);
      if (!box) { return; }
      event.preventDefault(); // no text selection while dragging; the click is replaced below
      painting = !box.checked;
      box.checked = painting;
      box.focus();
    });
    grid.addEventListener("pointerover", function (event) {
      if (painting === null) { return; }
      var box = boxOf(event.target);
      if (box) { box.checked = painting; }
    });
    // The pointerdown already toggled the box: swallow the click that follows so it does not undo it.
    grid.addEventListener("click", function (event) {
      if (event.detail > 0 && boxOf(event.target)) { event.preventDefault(); }
    });
    document.addEventListener("pointerup", function () { painting = null; });
    document.addEventListener("pointercancel", function () { painting = null; });
  }

  function init(root) { root.querySelectorAll("[data-availability-grid]").forEach(wire); }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
