// Friendly multi-selects: every <select multiple data-multiselect> becomes a searchable chip box
// (vendored tom-select; no inline script or style, so the strict CSP holds). Without JS the plain
// <select multiple> still works.
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") { return; }
  document.querySelectorAll("select[multiple][data-multiselect]").forEach(function (select) {
    // The size attribute only matters for the plain list box.
    select.removeAttribute("size");
    new window.TomSelect(select, {
      plugins: { remove_button: { title: "移除" } },
      hidePlaceholder: true,
      maxOptions: null,
      placeholder: select.dataset.placeholder || "输入关键词搜索，可多选",
      render: {
        no_results: function () { return '<div class="no-results">没有匹配的选项</div>'; }
      }
    });
  });
})();
