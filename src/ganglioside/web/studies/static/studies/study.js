// The study page: draws the stored Plotly figures and, while the study runs, follows it live
// over the WebSocket /ws/studies/<id>/: each sample's row (status, error, compounds, borrowed
// anchors, time) and the study's status change as the server announces them.  When the socket
// cannot connect (or drops), the page polls the API every 2 s instead, as the analysis page
// does.  Once the study stops or waits on a failed sample, the page reloads: the server draws
// the results (or the choices after a failure).  Values are put in the page as text.
(function () {
  "use strict";
  const root = document.getElementById("study");
  if (!root) return;
  const SETTLED = ["succeeded", "failed", "waiting"];
  const POLL_MS = 2000;
  let status = root.dataset.status;
  let settled = SETTLED.indexOf(status) >= 0;
  let socket = null;
  let pollTimer = null;

  const NARROW_PX = 600;

  // On a phone: thin side margins, and the box plots' titles in a smaller font, so that each
  // title fits over its own plot.
  function narrow(layout) {
    layout.margin = Object.assign({}, layout.margin, { l: 45, r: 10 });
    if (Array.isArray(layout.annotations)) {
      layout.annotations = layout.annotations.map(function (note) {
        return Object.assign({}, note, { font: Object.assign({}, note.font, { size: 9 }) });
      });
    }
  }

  function drawFigures() {
    const data = document.getElementById("study-figures");
    if (!data || typeof Plotly === "undefined") return;
    const figures = JSON.parse(data.textContent);
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      const fig = figures[el.dataset.figure];
      if (!fig) return;
      const layout = Object.assign({}, fig.layout || {}, { autosize: true });
      if (el.clientWidth < NARROW_PX) narrow(layout);
      const name = "study-" + el.dataset.figure;
      // The camera saves a PNG; a second button saves the same figure as SVG.
      const svg = {
        name: "download-svg",
        title: "Download plot as SVG",
        icon: Plotly.Icons.disk,
        click: function (gd) { Plotly.downloadImage(gd, { format: "svg", filename: name }); },
      };
      Plotly.newPlot(el, fig.data || [], layout, {
        responsive: true,
        displaylogo: false,
        toImageButtonOptions: { format: "png", filename: name },
        modeBarButtonsToAdd: [svg],
      });
      el.dataset.drawn = "true";
    });
  }

  function setLive(text, on) {
    const live = document.getElementById("live");
    if (!live) return;
    live.textContent = text;
    live.classList.toggle("on", !!on);
  }

  function capitalised(word) {
    return word ? word.charAt(0).toUpperCase() + word.slice(1) : "";
  }

  function badge(cell, state, label) {
    const span = cell && cell.querySelector(".badge");
    if (!span || !state) return;
    span.className = "badge " + state;
    span.dataset.status = state;
    span.textContent = label || capitalised(state);
  }

  function setCell(row, selector, text) {
    const cell = row.querySelector(selector);
    if (cell) cell.textContent = text;
  }

  function showSample(s) {
    const row = document.querySelector('#samples tr[data-sample="' + s.sample_id + '"]');
    if (!row) return;
    const cell = row.querySelector(".sample-status");
    badge(cell, s.status, s.label);
    let error = cell.querySelector(".sample-error");
    if (s.error && !error) {
      error = document.createElement("div");
      error.className = "small bad-text sample-error";
      cell.appendChild(error);
    }
    if (error) error.textContent = s.error || "";
    setCell(row, ".sample-compounds", String(s.n_compounds || 0));
    setCell(row, ".sample-borrowed", String(s.borrowed_anchors || 0));
    const seconds = s.duration_seconds;
    setCell(row, ".sample-seconds", seconds === null || seconds === undefined ?
      "" : Number(seconds).toFixed(2));
  }

  function showProgress() {
    const counts = { succeeded: 0, failed: 0, total: 0 };
    document.querySelectorAll("#samples .sample-status .badge").forEach(function (span) {
      counts.total += 1;
      if (span.dataset.status in counts) counts[span.dataset.status] += 1;
    });
    const done = counts.succeeded + counts.failed;
    const share = counts.total ? Math.round((100 * done) / counts.total) : 0;
    const fill = document.getElementById("progress-fill");
    if (fill) fill.style.width = share + "%";
    const bar = document.getElementById("progress-bar");
    if (bar) bar.setAttribute("aria-valuenow", String(share));
    const text = document.getElementById("progress-text");
    if (text) {
      text.textContent = done + " of " + counts.total + " samples done (" + counts.failed +
        " failed)";
    }
  }

  function showStudy(state, label) {
    if (!state) return;
    status = state;
    badge(document.getElementById("study-status"), state, label);
  }

  function settle() {
    if (settled) return;
    settled = true;
    stopPolling();
    if (socket) { try { socket.close(); } catch (e) { /* already closed */ } }
    setLive("done", false);
    window.location.reload();
  }

  function handle(message) {
    if (message.type === "state") {
      (message.samples || []).forEach(showSample);
      showStudy(message.status, message.label);
    } else if (message.type === "sample") {
      showSample(message);
    } else if (message.type === "status") {
      showStudy(message.status, message.label);
    } else {
      return;
    }
    showProgress();
    if (SETTLED.indexOf(status) >= 0) settle();
  }

  // -- the fallback: polling the API ----------------------------------------------------------

  function fromApi(study) {
    return {
      type: "state",
      status: study.status,
      samples: (study.samples || []).map(function (s) {
        return {
          sample_id: s.id, status: s.status, error: s.error_message,
          n_compounds: s.n_compounds, borrowed_anchors: s.borrowed_anchors,
          duration_seconds: s.duration_seconds,
        };
      }),
    };
  }

  function poll() {
    fetch(root.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404 || response.status === 401 || response.status === 403) {
          // Deleted meanwhile, or the session ended: polling again cannot help.
          stopPolling();
          setLive(response.status === 404 ? "this study no longer exists" :
            "signed out: reload the page", false);
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (study) { if (study) handle(fromApi(study)); })
      .catch(function () { /* the next poll tries again */ });
  }

  function startPolling() {
    if (settled || pollTimer) return;
    setLive("updating every " + POLL_MS / 1000 + " s", true);
    poll();
    pollTimer = window.setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) window.clearInterval(pollTimer);
    pollTimer = null;
  }

  // -- live: the WebSocket ----------------------------------------------------------------------

  function connect() {
    if (!("WebSocket" in window) || !root.dataset.websocket) { startPolling(); return; }
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + root.dataset.websocket);
    } catch (e) {
      startPolling();
      return;
    }
    socket.onopen = function () { setLive("live", true); };
    socket.onmessage = function (event) {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; /* not ours */ }
      handle(message);
    };
    socket.onclose = function () {
      socket = null;
      if (!settled) startPolling();
    };
  }

  function start() {
    drawFigures();
    showProgress();
    if (!settled) connect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
