// The study page: draws the stored Plotly figures and, while samples run, polls the API for
// the progress of each sample (the page reloads once the study stops or waits).
(function () {
  "use strict";
  const root = document.getElementById("study");
  if (!root) return;

  function drawFigures() {
    const data = document.getElementById("study-figures");
    if (!data || typeof Plotly === "undefined") return;
    const figures = JSON.parse(data.textContent);
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      const fig = figures[el.dataset.figure];
      if (!fig) return;
      const layout = Object.assign({}, fig.layout || {}, { autosize: true });
      Plotly.newPlot(el, fig.data || [], layout, { responsive: true, displaylogo: false });
      el.dataset.drawn = "true";
    });
  }

  function badge(cell, status, label) {
    const span = cell.querySelector(".badge");
    if (!span) return;
    span.className = "badge " + status;
    span.dataset.status = status;
    span.textContent = label || status;
  }

  function showProgress(study) {
    const p = study.progress;
    const fill = document.getElementById("progress-fill");
    const bar = document.getElementById("progress-bar");
    const share = p.total ? Math.round((100 * p.done) / p.total) : 0;
    if (fill) fill.style.width = share + "%";
    if (bar) bar.setAttribute("aria-valuenow", String(share));
    const text = document.getElementById("progress-text");
    if (text) text.textContent = p.done + " of " + p.total + " samples done (" + p.failed + " failed)";
    study.samples.forEach(function (s) {
      const row = document.querySelector('tr[data-sample="' + s.id + '"]');
      if (row) badge(row.querySelector(".sample-status"), s.status, s.status);
    });
    badge(document.getElementById("study-status"), study.status, study.status);
  }

  const settled = ["succeeded", "failed", "waiting"];
  function poll() {
    fetch(root.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (study) {
        showProgress(study);
        if (settled.indexOf(study.status) >= 0) window.location.reload();
        else window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  function start() {
    drawFigures();
    if (settled.indexOf(root.dataset.status) < 0) poll();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
