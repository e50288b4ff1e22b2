// Catalog pages: confirm destructive actions and count description characters (CSP: no inline JS).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function attachCounter(textarea) {
    var max = parseInt(textarea.getAttribute("maxlength"), 10);
    if (!max) { return; }
    var counter = document.createElement("div");
    counter.className = "form-text text-end char-counter";
    textarea.insertAdjacentElement("afterend", counter);
    function update() {
      var used = textarea.value.length;
      counter.textContent = "已输入 " + used + " / " + max + " 字";
      counter.classList.toggle("text-danger", used > max);
    }
    textarea.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[maxlength]").forEach(attachCounter);
  });
})();
