/* Lists: the bulk-action bar shows only while rows are ticked (with how many); without this file it is always shown. */
(function () {
  "use strict";

  // Rows ticked for this form: its elements include checkboxes outside it that name it (form="...").
  function ticked(form) {
    return Array.prototype.filter.call(form.elements, function (box) {
      return box.type === "checkbox" && box.checked && box.closest("tbody") !== null;
    }).length;
  }

  function refresh(root) {
    (root || document).querySelectorAll(".bulk-bar").forEach(function (bar) {
      var form = bar.closest("form");
      if (!form) return;
      var count = ticked(form);
      bar.hidden = count === 0;
      var note = bar.querySelector("[data-selected-count]");
      if (!note) {
        note = document.createElement("p");
        note.setAttribute("data-selected-count", "");
        note.setAttribute("role", "status");
        note.className = "selected-count";
        bar.insertBefore(note, bar.firstChild);
      }
      note.textContent = count === 1 ? "1 selected" : count + " selected";
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.type === "checkbox" && target.form) {
      refresh(document);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    refresh(document);
  });
  document.addEventListener("htmx:afterSwap", function () {
    refresh(document);
  });
})();
