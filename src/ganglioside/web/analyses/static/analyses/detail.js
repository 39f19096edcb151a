// Analysis page: live progress over the WebSocket (polling the API when the socket fails),
// then the results: charts drawn with the local plotly.js and the compound table paged
// through the API.  Data from the server arrives as JSON; values are put in the page as text.
"use strict";
(function () {
  var dataTag = document.getElementById("page-data");
  if (!dataTag) return;
  var page = JSON.parse(dataTag.textContent);
  var FINISHED = { succeeded: true, failed: true };
  var POLL_MS = 2000;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // -- progress -----------------------------------------------------------------------------

  var finished = page.finished;
  var socket = null;
  var pollTimer = null;

  function setLive(text, on) {
    var live = $("live");
    if (!live) return;
    live.textContent = text;
    live.classList.toggle("on", !!on);
  }

  function showStatus(status) {
    var badge = document.querySelector("#status-badge .badge");
    if (!badge || !status) return;
    badge.className = "badge " + status;
    badge.setAttribute("data-status", status);
    badge.textContent = status.charAt(0).toUpperCase() + status.slice(1);
  }

  function showProgress(state) {
    if (state.status) showStatus(state.status);
    var fill = $("progress-fill");
    if (!fill) return;
    var fraction = Math.max(0, Math.min(1, Number(state.fraction) || 0));
    if (state.status === "succeeded") fraction = 1;
    fill.style.width = (fraction * 100).toFixed(1) + "%";
    $("progress-bar").setAttribute("aria-valuenow", Math.round(fraction * 100));
    var message = state.message || "";
    if (state.status === "queued") message = "Waiting for a worker…";
    if (state.step) message = state.step + ": " + message;
    $("progress-message").textContent = message;
    var current = page.steps.indexOf(state.step);
    var items = document.querySelectorAll("#progress-steps li");
    for (var i = 0; i < items.length; i++) {
      var done = state.status === "succeeded" || (current >= 0 && i < current);
      items[i].classList.toggle("done", done);
      items[i].classList.toggle("current", !done && i === current);
    }
  }

  function finish(state) {
    if (finished) return;
    finished = true;
    stopPolling();
    if (socket) { try { socket.close(); } catch (e) { /* already closed */ } }
    showProgress(state);
    setLive(state.status === "succeeded" ? "done" : "stopped", false);
    fetch(page.outcome, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        $("outcome").innerHTML = html;
        var panel = $("progress-panel");
        if (panel && state.status === "succeeded") panel.hidden = true;
        initResults();
      })
      .catch(function () { window.location.reload(); });
  }

  function handle(state) {
    if (state.type === "status" || state.type === "state" || state.type === "progress") {
      if (FINISHED[state.status]) finish(state);
      else showProgress(state);
    }
  }

  function poll() {
    fetch(page.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404 || response.status === 401 || response.status === 403) {
          // Deleted meanwhile, or the session ended: polling again cannot help.
          stopPolling();
          finished = true;
          setLive("stopped", false);
          $("progress-message").textContent = response.status === 404 ?
            "This analysis no longer exists." : "You are signed out; reload the page to sign in.";
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (!body) return;
        var p = body.progress || {};
        handle({ type: "state", status: body.status, step: p.step, fraction: p.fraction,
                 message: p.message });
      })
      .catch(function () { /* the next poll tries again */ });
  }

  function startPolling() {
    if (finished || pollTimer) return;
    setLive("updating every " + POLL_MS / 1000 + " s", true);
    poll();
    pollTimer = window.setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) window.clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + page.websocket);
    } catch (e) {
      startPolling();
      return;
    }
    socket.onopen = function () { setLive("live", true); };
    socket.onmessage = function (event) {
      try { handle(JSON.parse(event.data)); } catch (e) { /* ignore a malformed message */ }
    };
    socket.onclose = function () {
      socket = null;
      if (!finished) startPolling();
    };
  }

  // -- charts -------------------------------------------------------------------------------

  function plot(target, figure) {
    if (!window.Plotly || !target) return;
    window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, page.plotConfig);
  }

  function drawEmbedded() {
    var charts = document.querySelectorAll("[data-figure]");
    for (var i = 0; i < charts.length; i++) {
      var source = $(charts[i].getAttribute("data-figure"));
      if (!source) continue;
      var text = JSON.parse(source.textContent);  // json_script holds the figure as a string
      if (text) plot(charts[i], JSON.parse(text));
    }
  }

  function drawRtChart(group) {
    var target = $("rt-chart");
    if (!target) return;
    target.setAttribute("aria-busy", "true");
    var url = page.rtChart + (group ? "?group=" + encodeURIComponent(group) : "");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        plot(target, body.figure);
        target.setAttribute("data-group", body.group);
      })
      .catch(function (error) {
        target.textContent = "The chart could not be loaded (" + error.message + ").";
      })
      .then(function () { target.removeAttribute("aria-busy"); });
  }

  // -- compound table -----------------------------------------------------------------------

  var COLUMNS = [
    ["row", "num", 0], ["name", "", null], ["status", "status", null], ["group_key", "", null],
    ["rt", "num", 3], ["log_p", "num", 2], ["predicted_rt", "num", 3], ["z", "num", 2],
    ["volume", "num", -1], ["reasons", "reasons", null]
  ];
  var table = { page: 1, size: 50, ordering: "row", filters: {}, count: 0, seq: 0 };

  function formatNumber(value, digits) {
    if (value === null || value === undefined || value === "") return "";
    var n = Number(value);
    if (!isFinite(n)) return "";
    if (digits === -1) return Math.round(n).toLocaleString("en-US");
    return n.toFixed(digits);
  }

  function renderRows(results) {
    var body = document.querySelector("#compounds tbody");
    var fragment = document.createDocumentFragment();
    if (!results.length) {
      var empty = el("tr");
      var cell = el("td", "muted", "No row matches these filters.");
      cell.colSpan = COLUMNS.length;
      empty.appendChild(cell);
      fragment.appendChild(empty);
    }
    results.forEach(function (record) {
      var tr = el("tr", "row-" + record.status);
      tr.setAttribute("data-row", record.row);
      tr.setAttribute("data-status", record.status);
      COLUMNS.forEach(function (column) {
        var name = column[0], kind = column[1], td;
        if (kind === "num") {
          td = el("td", "num", formatNumber(record[name], column[2]));
        } else if (kind === "status") {
          td = el("td");
          var badge = el("span", "badge status", record.status);
          badge.style.setProperty("--c", page.colors[record.status] || "#5b6475");
          td.appendChild(badge);
          if (record.is_anchor) td.appendChild(el("span", "muted small", " anchor"));
        } else if (kind === "reasons") {
          // A block inside the cell holds the width (table cells ignore min-width).
          td = el("td", "reasons");
          td.appendChild(el("div", "", (record.reasons || "").split(";").join("; ")));
        } else {
          td = el("td", "", record[name]);
        }
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
  }

  function renderPager() {
    var pages = Math.max(1, Math.ceil(table.count / table.size));
    var first = table.count ? (table.page - 1) * table.size + 1 : 0;
    var last = Math.min(table.count, table.page * table.size);
    $("page-info").textContent = "rows " + first + "–" + last + " of " + table.count +
      " · page " + table.page + " of " + pages;
    $("page-prev").disabled = table.page <= 1;
    $("page-next").disabled = table.page >= pages;
    $("compounds-count").textContent = table.count + " matching rows";
  }

  function loadCompounds() {
    var params = new URLSearchParams();
    params.set("page", table.page);
    params.set("page_size", table.size);
    params.set("ordering", table.ordering);
    Object.keys(table.filters).forEach(function (key) {
      if (table.filters[key]) params.set(key, table.filters[key]);
    });
    var seq = ++table.seq;
    $("compounds").setAttribute("aria-busy", "true");
    fetch(page.compounds + "?" + params.toString(), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (response.status === 429) {
          var wait = Number(response.headers.get("Retry-After")) || 1;
          window.setTimeout(loadCompounds, wait * 1000);
          throw new Error("busy");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        if (seq !== table.seq) return;  // a newer request is on its way
        table.count = body.count;
        renderRows(body.results);
        renderPager();
        $("compounds").removeAttribute("aria-busy");
      })
      .catch(function (error) {
        if (error.message === "busy" || seq !== table.seq) return;
        $("compounds-count").textContent = "The rows could not be loaded (" + error.message + ").";
      });
  }

  function initTable() {
    var form = $("compound-filters");
    if (!form) return;
    var timer = null;
    function readFilters() {
      table.filters = {
        search: form.elements.search.value.trim(),
        status: form.elements.status.value,
        category: form.elements.category.value,
        group_key: form.elements.group_key.value,
        is_anchor: form.elements.is_anchor.checked ? "true" : ""
      };
      table.page = 1;
      loadCompounds();
    }
    form.addEventListener("change", readFilters);
    form.addEventListener("input", function (event) {
      if (event.target.name !== "search") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(readFilters, 300);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); readFilters(); });
    form.addEventListener("reset", function () { window.setTimeout(readFilters, 0); });

    var headers = document.querySelectorAll("#compounds th.sortable");
    Array.prototype.forEach.call(headers, function (th) {
      th.tabIndex = 0;
      function sort() {
        var field = th.getAttribute("data-order");
        var ascending = table.ordering !== field;
        table.ordering = ascending ? field : "-" + field;
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        table.page = 1;
        loadCompounds();
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
    $("page-prev").addEventListener("click", function () { table.page -= 1; loadCompounds(); });
    $("page-next").addEventListener("click", function () { table.page += 1; loadCompounds(); });
    $("page-size").addEventListener("change", function (event) {
      table.size = Number(event.target.value) || 50;
      table.page = 1;
      loadCompounds();
    });
    loadCompounds();
  }

  function initResults() {
    var results = $("results");
    if (!results) return;
    if (results.getAttribute("data-duration")) {
      $("duration").textContent = results.getAttribute("data-duration");
    }
    drawEmbedded();
    var select = $("rt-group");
    drawRtChart(select ? select.value : "");
    if (select) select.addEventListener("change", function () { drawRtChart(select.value); });
    initTable();
  }

  // -- start --------------------------------------------------------------------------------

  var remove = $("delete-form");
  if (remove) {
    remove.addEventListener("submit", function (event) {
      if (!window.confirm("Delete this analysis, its results and its input file?")) {
        event.preventDefault();
      }
    });
  }

  if (finished) {
    initResults();
  } else {
    showProgress(page);
    connect();
  }
})();
