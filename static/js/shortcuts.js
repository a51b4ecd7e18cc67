/* Keyboard shortcuts: "/" search, "g o|s|i|r" go to a section, "j"/"k" move in a list, Enter opens,
 * "?" lists them. Ignored while typing in a field, and when a modifier key is held. */
(function () {
  "use strict";

  var SHORTCUTS = [
    ["/", "Search (orders, SKUs, returns, tracking, pickup codes)"],
    ["g o", "Go to orders"],
    ["g s", "Go to shipments (the work queue)"],
    ["g i", "Go to inventory"],
    ["g r", "Go to returns"],
    ["j / k", "Next / previous row of a list"],
    ["Enter", "Open the chosen row"],
    ["Esc", "Leave the search box, close this help"],
    ["?", "Show this help"],
  ];
  var pendingG = 0;
  var current = -1;

  function typing(target) {
    if (!(target instanceof Element)) return false;
    return target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']") !== null;
  }

  function searchForm() {
    return document.querySelector("form.site-search");
  }

  // The rows of the list on this page: search results, or the first table's body rows that hold a link.
  function rows() {
    var marked = document.querySelectorAll("main [data-list-row]");
    if (marked.length) return Array.prototype.slice.call(marked);
    var table = document.querySelector("main table tbody");
    if (!table) return [];
    return Array.prototype.filter.call(table.rows, function (row) {
      return row.querySelector("a[href]") !== null;
    });
  }

  function choose(step) {
    var list = rows();
    if (!list.length) return;
    var previous = document.querySelector(".is-kbd-current");
    if (previous) previous.classList.remove("is-kbd-current");
    current = previous ? list.indexOf(previous) : -1;
    current = Math.max(0, Math.min(list.length - 1, current + step));
    var row = list[current];
    row.classList.add("is-kbd-current");
    var link = row.matches("a[href]") ? row : row.querySelector("a[href]");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function openCurrent() {
    var row = document.querySelector(".is-kbd-current");
    if (!row) return false;
    var link = row.matches("a[href]") ? row : row.querySelector("a[href]");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function help() {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "shortcut-help";
      dialog.className = "shortcut-help";
      dialog.setAttribute("aria-labelledby", "shortcut-help-title");
      var html = '<h2 id="shortcut-help-title">Keyboard shortcuts</h2><dl>';
      SHORTCUTS.forEach(function (pair) {
        var keys = pair[0].split(" ").map(function (key) {
          return key === "/" && pair[0] !== "/" ? "/" : "<kbd>" + key + "</kbd>";
        });
        html += "<dt>" + keys.join(" ") + "</dt><dd>" + pair[1] + "</dd>";
      });
      html += '</dl><form method="dialog"><button class="btn" type="submit">Close</button></form>';
      dialog.innerHTML = html;
      document.body.appendChild(dialog);
    }
    if (!dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    var form = searchForm();
    if (event.key === "Escape" && form && form.contains(event.target)) {
      var live = document.getElementById("site-search-live");
      if (live) live.innerHTML = "";
      event.target.blur();
      return;
    }
    // Down arrow from the header box moves into its live results.
    if (event.key === "ArrowDown" && form && event.target.id === "site-search-q") {
      var first = form.querySelector("#site-search-live a[href]");
      if (first) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]") && event.key !== "?") return;

    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      var url = form && form.getAttribute("data-go-" + event.key.toLowerCase());
      if (url) {
        event.preventDefault();
        window.location.assign(url);
      }
      return;
    }
    pendingG = 0;
    switch (event.key) {
      case "/":
        var box = document.getElementById("site-search-q");
        if (box) {
          event.preventDefault();
          box.focus();
          box.select();
        }
        break;
      case "?":
        event.preventDefault();
        help();
        break;
      case "g":
        pendingG = Date.now();
        break;
      case "j":
        event.preventDefault();
        choose(1);
        break;
      case "k":
        event.preventDefault();
        choose(-1);
        break;
      case "Enter":
        if (event.target === document.body && openCurrent()) event.preventDefault();
        break;
    }
  });

  // The live results close when focus leaves the search box and its results.
  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      var form = searchForm();
      var live = document.getElementById("site-search-live");
      if (form && live && !form.contains(document.activeElement)) live.innerHTML = "";
    }, 150);
  });
})();
