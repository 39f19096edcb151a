// Charts of the analysis page, drawn by the local plotly.js from the core's own figures: the
// RT chart of one group (its group in the address), z by group and observed against predicted
// RT (fetched when the page opens), the abundance bar charts (in the page).  Each chart fits the
// screen: on a narrow one its legend goes under the plot; an axis of many categories shows every
// label and scrolls sideways instead of dropping every other one.  Each chart saves as SVG or PNG.
"use strict";
(function (kit) {
  var NARROW_PX = 700;        // below this width a legend goes under its plot
  var CATEGORY_PX = 18;       // room each category label needs on a crowded axis
  var AXIS_MARGIN_PX = 140;   // what the y axis, its title and the padding take besides
  var page = null;
  var drawn = {};             // element id -> the figure last drawn there

  function isNarrow(target) {
    var box = target.closest(".chart-scroll") || target;
    return box.clientWidth < NARROW_PX;
  }

  // The labels of a category x axis: those the figure orders, else those of its traces.
  function categories(figure) {
    var axis = (figure.layout || {}).xaxis || {};
    if (axis.categoryarray && axis.categoryarray.length) return axis.categoryarray.slice();
    var seen = {}, out = [];
    (figure.data || []).forEach(function (trace) {
      (trace.x || []).forEach(function (x) {
        if (typeof x === "string" && !seen[x]) { seen[x] = true; out.push(x); }
      });
    });
    return out;
  }

  // Every label of a crowded category axis, upright, the plot as wide as they need.
  function spreadCategories(target, layout, labels) {
    var box = target.closest(".chart-scroll") || target.parentElement;
    var needed = labels.length * CATEGORY_PX + AXIS_MARGIN_PX;
    var available = box.clientWidth;
    layout.xaxis = Object.assign({}, layout.xaxis, {
      tickmode: "array", tickvals: labels, ticktext: labels, automargin: true
    });
    if (needed > available) {
      layout.xaxis.tickangle = -90;
      layout.xaxis.tickfont = Object.assign({}, layout.xaxis.tickfont, { size: 11 });
      target.style.width = needed + "px";
    } else {
      target.style.width = "";
    }
  }

  function fitLegend(target, layout) {
    if (layout.showlegend === false) return;
    if (isNarrow(target)) {
      // At the foot of the figure (placed in the figure, not the plot: under the axis labels,
      // whatever their height); the bottom margin grows to hold it.
      layout.legend = Object.assign({}, layout.legend, {
        orientation: "h", x: 0, xanchor: "left", y: 0, yref: "container", yanchor: "bottom"
      });
      layout.legend.font = Object.assign({}, layout.legend.font, { size: 11 });
      layout.margin = Object.assign({}, layout.margin, { r: 10, l: 55 });
      // The plot keeps its height; the figure grows by the legend's lines.
      var entries = (layout._entries || 0);
      layout.height = (layout.height || 450) + 24 * entries;
    }
  }

  function plot(target, figure) {
    if (!window.Plotly || !target) return Promise.resolve();
    var layout = JSON.parse(JSON.stringify(figure.layout || {}));
    delete layout.width;
    if (target.hasAttribute("data-categories")) {
      var labels = categories(figure);
      if (labels.length > 1) spreadCategories(target, layout, labels);
    }
    layout._entries = (figure.data || []).filter(function (trace) {
      return trace.showlegend !== false && trace.name;
    }).length;
    fitLegend(target, layout);
    delete layout._entries;
    drawn[target.id] = figure;
    return window.Plotly.newPlot(target, figure.data || [], layout, page.plotConfig);
  }

  function failed(target, error) {
    target.textContent = "The chart could not be loaded (" + error.message + ").";
  }

  function drawEmbedded() {
    var charts = document.querySelectorAll("[data-figure]");
    Array.prototype.forEach.call(charts, function (target) {
      var source = kit.$(target.getAttribute("data-figure"));
      if (!source) return;
      var text = JSON.parse(source.textContent);  // json_script holds the figure as a string
      if (text) plot(target, JSON.parse(text));
    });
  }

  function drawFetched() {
    var charts = document.querySelectorAll("[data-overview]");
    Array.prototype.forEach.call(charts, function (target) {
      var url = page.charts[target.getAttribute("data-overview")];
      if (!url) return;
      target.setAttribute("aria-busy", "true");
      kit.getJson(url)
        .then(function (body) { return plot(target, body.figure); })
        .catch(function (error) { failed(target, error); })
        .then(function () { target.removeAttribute("aria-busy"); });
    });
  }

  // -- the RT chart of one group ------------------------------------------------------------

  function drawRtChart(group) {
    var target = kit.$("rt-chart");
    if (!target) return;
    target.setAttribute("aria-busy", "true");
    kit.getJson(page.rtChart + (group ? "?group=" + encodeURIComponent(group) : ""))
      .then(function (body) {
        target.setAttribute("data-group", body.group);
        return plot(target, body.figure);
      })
      .catch(function (error) { failed(target, error); })
      .then(function () { target.removeAttribute("aria-busy"); });
  }

  function initRtChart() {
    var select = kit.$("rt-group");
    if (!select) return;
    function fromAddress() {
      var wanted = kit.address.params().get("rt");
      var known = wanted && Array.prototype.some.call(select.options, function (o) {
        return o.value === wanted;
      });
      if (known) select.value = wanted;
      else select.value = select.getAttribute("data-default") || select.value;
    }
    select.setAttribute("data-default", select.value);
    fromAddress();
    drawRtChart(select.value);
    select.addEventListener("change", function () {
      kit.address.set({ rt: select.value === select.getAttribute("data-default") ? "" : select.value });
      drawRtChart(select.value);
    });
    kit.address.onChange(function () {
      var before = select.value;
      fromAddress();
      if (select.value !== before) drawRtChart(select.value);
    });
  }

  // -- saving a chart -----------------------------------------------------------------------

  function fileName(target) {
    var name = "analysis_" + page.id + "_" + target.id.replace(/-chart$/, "");
    var group = target.getAttribute("data-group");
    if (group) name += "_" + group.replace(/[^A-Za-z0-9]+/g, "-");
    return name;
  }

  function save(button) {
    var target = kit.$(button.getAttribute("data-chart"));
    var format = button.getAttribute("data-format");
    if (!target || !target._fullLayout || !window.Plotly) return;
    window.Plotly.downloadImage(target, {
      format: format,
      filename: fileName(target),
      width: target._fullLayout.width,
      height: target._fullLayout.height,
      scale: format === "png" ? 2 : 1
    });
  }

  // -- redraw when the screen crosses the narrow width ----------------------------------------

  var wasNarrow = null;
  function onResize() {
    var narrow = window.innerWidth < NARROW_PX;
    if (wasNarrow === null) { wasNarrow = narrow; return; }
    if (narrow === wasNarrow) return;
    wasNarrow = narrow;
    Object.keys(drawn).forEach(function (id) {
      var target = kit.$(id);
      if (target) plot(target, drawn[id]);
    });
  }

  function init(pageData) {
    page = pageData;
    page.charts = page.charts || {};
    drawEmbedded();
    drawFetched();
    initRtChart();
    onResize();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-chart][data-format]");
    if (button) save(button);
  });
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(onResize, 200);
  });

  kit.charts = { init: init, plot: plot };
})(window.gangliosidePage);
