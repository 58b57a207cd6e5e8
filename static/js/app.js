// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function enhanceSelects(root) {
    if (typeof TomSelect === "undefined") return;
    root.querySelectorAll("select[data-searchable]").forEach(function (el) {
      if (!el.tomselect) new TomSelect(el, { maxOptions: 500, allowEmptyOption: true });
    });
    // Pickers over many rows (organisations, members): the server searches, in the user's scope.
    root.querySelectorAll("select[data-remote-search]").forEach(function (el) {
      if (el.tomselect) return;
      var url = el.getAttribute("data-remote-search");
      new TomSelect(el, {
        valueField: "id",
        labelField: "name",
        searchField: [],
        allowEmptyOption: true,
        placeholder: el.getAttribute("data-placeholder") || "",
        preload: "focus",
        loadThrottle: 250,
        // The server has matched already: keep its answers and its (tree) order.
        score: function () { return function () { return 1; }; },
        load: function (query, callback) {
          var sep = url.indexOf("?") < 0 ? "?" : "&";
          fetch(url + sep + "q=" + encodeURIComponent(query), {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          })
            .then(function (response) { return response.ok ? response.json() : { results: [] }; })
            .then(function (data) { callback(data.results); })
            .catch(function () { callback(); });
        },
        render: {
          option: function (item, escape) {
            var detail = item.detail || item.kind;
            return "<div>" + escape(item.name) +
              (detail ? ' <small class="text-secondary">' + escape(detail) + "</small>" : "") +
              "</div>";
          },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceSelects(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { enhanceSelects(event.target); });
})();
