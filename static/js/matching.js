// Matching pages: after a 不相关 verdict (htmx), fade the row out of the list (CSP: no inline JS).
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.querySelector("[data-hide-row]")) { return; }
    var row = target.closest(".match-row");
    if (row) { row.classList.add("d-none"); }
  });
})();
