// Case page: show only the stage-gate fields that the chosen target stage asks for.
(function () {
  "use strict";
  var form = document.getElementById("case-move-form");
  if (!form) { return; }
  var select = form.querySelector("select[name=to_stage]");
  function update() {
    var stage = select.value;
    form.querySelectorAll(".stage-fields").forEach(function (fs) {
      var stages = (fs.getAttribute("data-stages") || "").split(" ");
      fs.hidden = stages.indexOf(stage) === -1;
    });
  }
  select.addEventListener("change", update);
  update();
})();
