/* The inventory grid: a product's row opens and closes its variants. Without it every variant shows. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target instanceof Element ? event.target.closest("[data-product-toggle]") : null;
    if (!toggle) return;
    var group = toggle.closest(".product-group");
    var collapsed = group.classList.toggle("is-collapsed");
    toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
  });
})();
