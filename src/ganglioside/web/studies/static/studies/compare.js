// The page comparing two studies: draws the fold-change scatter with the local plotly.js.
"use strict";
(function () {
  function draw() {
    var configTag = document.getElementById("plot-config");
    if (!configTag || !window.Plotly) return;
    var config = JSON.parse(configTag.textContent);
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(JSON.parse(source.textContent));
      var layout = Object.assign({}, figure.layout || {}, { autosize: true });
      window.Plotly.newPlot(el, figure.data || [], layout, config).then(function () {
        el.dataset.drawn = "true";
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
