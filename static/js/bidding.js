// Bidding pages: confirm before withdrawing; the reject reason only matters for 未采纳.
(function () {
  document.querySelectorAll("form.js-confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm || "确定吗？")) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("form.js-decision").forEach(function (form) {
    var decision = form.querySelector(".js-decision-select");
    var reason = form.querySelector(".js-reason");
    function sync() {
      var rejecting = decision.value === "reject";
      reason.hidden = !rejecting;
      reason.required = rejecting;
    }
    decision.addEventListener("change", sync);
    sync();
  });
})();
