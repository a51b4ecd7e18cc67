/* The SKU picker (inventory/widgets.py): type part of a code, name, product or barcode, pick a SKU.
   Without this file the input is a plain text field for the SKU code, checked by the form. */
(function () {
  "use strict";
  var DELAY = 200;
  var timers = new WeakMap();
  var requests = new WeakMap();

  function pickerOf(node) {
    return node instanceof Element ? node.closest("[data-sku-picker]") : null;
  }
  function inputOf(picker) { return picker.querySelector("input"); }
  function listOf(picker) { return picker.querySelector(".sku-picker-results"); }
  function options(picker) { return Array.prototype.slice.call(listOf(picker).querySelectorAll("[role=option]")); }

  function close(picker) {
    var list = listOf(picker);
    list.hidden = true;
    list.innerHTML = "";
    inputOf(picker).setAttribute("aria-expanded", "false");
    inputOf(picker).removeAttribute("aria-activedescendant");
  }

  function locationCode(picker) {
    var name = picker.getAttribute("data-location-field");
    var form = inputOf(picker).form;
    if (!name || !form || !form.elements[name]) return "";
    return form.elements[name].value || "";
  }

  function search(picker) {
    var input = inputOf(picker);
    var query = input.value.trim();
    if (!query) { close(picker); return; }
    var url = picker.getAttribute("data-search-url") + "?q=" + encodeURIComponent(query);
    var at = locationCode(picker);
    if (at) url += "&at=" + encodeURIComponent(at);
    var previous = requests.get(picker);
    if (previous) previous.abort();
    var controller = new AbortController();
    requests.set(picker, controller);
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin", signal: controller.signal })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (input.value.trim() !== query || document.activeElement !== input) return;
        var list = listOf(picker);
        list.innerHTML = html;
        list.hidden = !html.trim();
        input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
        var first = options(picker)[0];
        if (first) highlight(picker, first);
      })
      .catch(function () { /* aborted by a newer search, or offline: the field still takes a code */ });
  }

  function highlight(picker, option) {
    options(picker).forEach(function (each) { each.setAttribute("aria-selected", each === option ? "true" : "false"); });
    inputOf(picker).setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function pick(picker, option) {
    var input = inputOf(picker);
    input.value = option.getAttribute("data-code");
    close(picker);
    input.dispatchEvent(new Event("change", { bubbles: true }));
    // Move on to the next field (the quantity of a line), as a scanner's Enter would.
    var form = input.form;
    if (!form) return;
    var fields = Array.prototype.slice.call(form.elements).filter(function (el) {
      return el.tagName !== "FIELDSET" && el.type !== "hidden" && !el.disabled;
    });
    var next = fields[fields.indexOf(input) + 1];
    if (next) next.focus();
  }

  document.addEventListener("input", function (event) {
    var picker = pickerOf(event.target);
    if (!picker || event.target !== inputOf(picker)) return;
    clearTimeout(timers.get(picker));
    timers.set(picker, setTimeout(function () { search(picker); }, DELAY));
  });

  document.addEventListener("keydown", function (event) {
    var picker = pickerOf(event.target);
    if (!picker || event.target !== inputOf(picker) || listOf(picker).hidden) return;
    var all = options(picker);
    var current = all.findIndex(function (each) { return each.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      highlight(picker, all[(current + step + all.length) % all.length]);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();  // pick, do not submit the form
      pick(picker, all[current]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(picker);
    }
  });

  // mousedown, not click: it comes before the input's blur, which would close the list first.
  document.addEventListener("mousedown", function (event) {
    var option = event.target instanceof Element ? event.target.closest("[data-sku-picker] [role=option]") : null;
    if (!option) return;
    event.preventDefault();
    pick(pickerOf(option), option);
  });

  document.addEventListener("focusout", function (event) {
    var picker = pickerOf(event.target);
    if (!picker) return;
    setTimeout(function () { if (!picker.contains(document.activeElement)) close(picker); }, 150);
  });
})();
