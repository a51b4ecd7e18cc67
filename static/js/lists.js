/* Lists: the bulk-action bar shows only while rows are ticked (with how many); without this file it is always shown. */
(function () {
  "use strict";

  function ticked(form) {
    return form.querySelectorAll("tbody input[type=checkbox]:checked").length;
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
    if (target instanceof HTMLInputElement && target.type === "checkbox" && target.closest("form .table")) {
      refresh(target.closest("form"));
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    refresh(document);
  });
  document.addEventListener("htmx:afterSwap", function () {
    refresh(document);
  });
})();
