// Comparison page: draw the side-by-side abundance charts with the local plotly.js.
"use strict";
(function () {
  var configTag = document.getElementById("plot-config");
  if (!configTag || !window.Plotly) return;
  var config = JSON.parse(configTag.textContent);
  var charts = document.querySelectorAll("[data-figure]");
  for (var i = 0; i < charts.length; i++) {
    var source = document.getElementById(charts[i].getAttribute("data-figure"));
    if (!source) continue;
    var figure = JSON.parse(JSON.parse(source.textContent));
    window.Plotly.newPlot(charts[i], figure.data, figure.layout, config);
  }
})();
