// Analysis page: live progress over the WebSocket (polling the API when the socket fails),
// then the results: charts (charts.js), the compound table (compounds.js) and the fragment
// links (fragments.js).  Data from the server arrives as JSON; values are put in the page as
// text.
"use strict";
(function () {
  var dataTag = document.getElementById("page-data");
  if (!dataTag) return;
  var page = JSON.parse(dataTag.textContent);
  var FINISHED = { succeeded: true, failed: true };
  var POLL_MS = 2000;

  function $(id) { return document.getElementById(id); }

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

  function initResults() {
    var results = $("results");
    if (!results) return;
    if (results.getAttribute("data-duration")) {
      $("duration").textContent = results.getAttribute("data-duration");
    }
    // What was read of the file (format, sample) is known once the run has read it.
    var read = $("outcome-input-read");
    if (read && $("input-read")) $("input-read").innerHTML = read.innerHTML;
    var kit = window.gangliosidePage;
    kit.charts.init(page);
    kit.compounds.init(page);
    kit.fragments.init(page);
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
