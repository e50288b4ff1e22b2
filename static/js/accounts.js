// Accounts pages: show only the organisation fields that match the sign-up choice,
// and ask for confirmation before destructive actions (forms marked data-confirm).
(function () {
  "use strict";

  function syncOrgFields(form) {
    var checked = form.querySelector('input[name="org_action"]:checked');
    var action = checked ? checked.value : "create";
    var create = form.querySelector("#org-create-fields");
    var join = form.querySelector("#org-join-fields");
    if (create) { create.hidden = action !== "create"; }
    if (join) { join.hidden = action !== "join"; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var signup = document.getElementById("signup-form");
    if (signup) {
      signup.querySelectorAll('input[name="org_action"]').forEach(function (radio) {
        radio.addEventListener("change", function () { syncOrgFields(signup); });
      });
      syncOrgFields(signup);
    }
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  });
})();
