// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function enhanceSelects(root) {
    if (typeof TomSelect === "undefined") return;
    root.querySelectorAll("select[data-searchable]").forEach(function (el) {
      if (!el.tomselect) new TomSelect(el, { maxOptions: 500, allowEmptyOption: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceSelects(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { enhanceSelects(event.target); });
})();
