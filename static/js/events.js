// 对接会 pages: print buttons and "增加一项议程" on the event form (no inline script: CSP).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var add = document.getElementById("agenda-add");
  if (add) {
    add.addEventListener("click", function () {
      var prefix = add.dataset.prefix;
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById("agenda-empty-row");
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      document.querySelector("#agenda-table tbody").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  }
})();
