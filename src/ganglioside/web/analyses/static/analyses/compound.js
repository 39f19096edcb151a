// One row's page: the RT chart of its group, drawn by charts.js from the same figure as the
// analysis page, with this row circled.  The rest of the page is plain HTML.
"use strict";
(function (kit) {
  var dataTag = document.getElementById("page-data");
  var target = document.getElementById("rt-chart");
  if (!dataTag || !target) return;
  var page = JSON.parse(dataTag.textContent);
  kit.charts.init(page);

  function ring() {
    return {
      x: [page.point.x], y: [page.point.y], mode: "markers", type: "scatter",
      name: "row " + page.row + " (this row)", hoverinfo: "skip",
      marker: { symbol: "circle-open", size: 26, color: "#111111", line: { width: 3 } }
    };
  }

  target.setAttribute("aria-busy", "true");
  kit.getJson(page.rtChart + "?group=" + encodeURIComponent(page.group))
    .then(function (body) {
      target.setAttribute("data-group", body.group);
      var figure = { data: (body.figure.data || []).concat([ring()]), layout: body.figure.layout };
      return kit.charts.plot(target, figure);
    })
    .catch(function (error) {
      target.textContent = "The chart could not be loaded (" + error.message + ").";
    })
    .then(function () { target.removeAttribute("aria-busy"); });
})(window.gangliosidePage);
