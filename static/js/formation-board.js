// The proposal board (templates/formation/partials/_board.html): drag a person onto another circle to
// move them. Progressive: each person's "Move to" form is the keyboard, screen-reader and no-JS path; a
// drop only picks the circle in that form and submits it (htmx swaps the board, scores update).
(function () {
  "use strict";

  var dragged = null;

  function enable(root) {
    var board = root.id === "formation-board" ? root : root.querySelector && root.querySelector("#formation-board");
    if (!board) { return; }
    board.classList.add("board--draggable");
    board.querySelectorAll("[data-drop-new], [data-drag-hint]").forEach(function (el) { el.hidden = false; });
  }

  function dropTarget(el) {
    return el && el.closest ? el.closest("#formation-board [data-drop-target]") : null;
  }

  function clearOver() {
    document.querySelectorAll(".is-drop-over").forEach(function (el) { el.classList.remove("is-drop-over"); });
  }

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("#formation-board [data-application]");
    if (!item) { return; }
    dragged = item;
    item.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.application);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragging"); }
    dragged = null;
    clearOver();
  });

  document.addEventListener("dragover", function (event) {
    var zone = dropTarget(event.target);
    if (!dragged || !zone || zone.contains(dragged)) { return; }
    event.preventDefault(); // allow the drop
    event.dataTransfer.dropEffect = "move";
    if (!zone.classList.contains("is-drop-over")) { clearOver(); zone.classList.add("is-drop-over"); }
  });

  document.addEventListener("dragleave", function (event) {
    var zone = dropTarget(event.target);
    if (zone && !zone.contains(event.relatedTarget)) { zone.classList.remove("is-drop-over"); }
  });

  document.addEventListener("drop", function (event) {
    var zone = dropTarget(event.target);
    if (!dragged || !zone || zone.contains(dragged)) { return; }
    event.preventDefault();
    clearOver();
    var form = dragged.querySelector("form[data-move-form]");
    var select = form && form.querySelector("select[name=to]");
    var value = zone.dataset.circleIndex;
    if (!select || !Array.prototype.some.call(select.options, function (o) { return o.value === value; })) { return; }
    select.value = value;
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  // A refused edit (400) or a stale one (409) answers with the board showing why: swap it in anyway.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 400 || status === 409) && target && (target.id === "formation-board" || target.id === "run-panel")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () { enable(document); });
  document.addEventListener("htmx:afterSettle", function (event) { enable(event.target); enable(document); });
})();
