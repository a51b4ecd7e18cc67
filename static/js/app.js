/* Small progressive enhancements; every page also works without this file. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    // Dismiss a message.
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var box = dismiss.closest("[data-dismissable]");
      if (box) box.remove();
      return;
    }

    // Close an inline stock form without reloading the page.
    var close = target.closest("[data-close-drawer]");
    if (close) {
      var drawer = close.closest(".drawer-body");
      if (drawer) {
        event.preventDefault();
        var row = drawer.closest("tr");
        drawer.innerHTML = "";
        var levelRow = row && row.previousElementSibling;
        if (levelRow) levelRow.classList.remove("is-open");
      }
      return;
    }

    // Close the user menu when clicking elsewhere.
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
    });
  });

  // After htmx puts a form into a drawer, mark its row and move focus to the first field.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!(target instanceof Element) || !target.classList.contains("drawer-body")) return;
    var row = target.closest("tr");
    var levelRow = row && row.previousElementSibling;
    if (levelRow) levelRow.classList.toggle("is-open", target.innerHTML.trim() !== "");
    var field = target.querySelector("[aria-invalid='true'], input:not([type=hidden]), select");
    if (field) field.focus({ preventScroll: false });
  });
})();
