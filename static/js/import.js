// Import progress page: poll the job's JSON status, move the bar, reload when the job ends.
(function () {
  "use strict";
  var card = document.getElementById("progress-card");
  if (!card) { return; }
  var url = card.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress-bar");
  var wrapper = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  var delay = 1000;

  function show(percent) {
    // Setting style through the CSSOM is allowed by the CSP (no inline style attributes).
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    wrapper.setAttribute("aria-valuenow", String(percent));
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data.percent);
        text.textContent = data.processed_rows + " / " + data.total_rows + " 行 · " + data.message;
        if (data.finished) {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // Network hiccup or server restart: keep trying, a little slower.
        delay = Math.min(delay * 2, 10000);
        text.textContent = "暂时无法获取进度，正在重试…";
        window.setTimeout(poll, delay);
      });
  }

  show(parseInt(bar.getAttribute("data-percent") || "0", 10));
  window.setTimeout(poll, 500);
})();
