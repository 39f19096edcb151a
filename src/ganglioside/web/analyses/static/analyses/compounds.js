// The compound table of the analysis page, paged through the API: filters (names, row numbers
// and ranges, status, category, group, anchors, identification level), sorting (z by its size), and every row's
// parent, reasons and evidence.  Filters, sorting and page live in the address, so a view can be
// shared and Back undoes a step.  A link to a row (a fragment's parent, a row named in a file
// warning) jumps to that row and highlights it.
"use strict";
(function (kit) {
  var el = kit.el, $ = kit.$;
  // Query parameter of the address -> filter of the API.
  var FILTERS = { q: "search", rows: "rows", status: "status", category: "category",
                  group: "group_key", anchors: "is_anchor", level: "identification_level" };
  var DEFAULT = { ordering: "row", page: 1, size: 50 };
  var COLUMNS = [
    { key: "row", digits: 0 }, { key: "name", cell: nameCell }, { key: "status", cell: statusCell },
    { key: "identification_level", digits: 0 }, { key: "group_key" }, { key: "rt", digits: 3 }, { key: "log_p", digits: 2 },
    { key: "predicted_rt", digits: 3 }, { key: "z", digits: 2, signed: true },
    { key: "volume", digits: -1 }, { key: "parent", cell: parentCell },
    { key: "reasons", cell: reasonsCell }, { key: "evidence", cell: evidenceCell }
  ];
  var page = null;
  var state = null;          // filters, ordering, page, size, highlight (a row number)
  var count = 0;
  var seq = 0;               // the newest request; older answers are dropped
  var scrollTo = false;      // scroll to the highlighted row once it is drawn
  var typing = null;         // the text field whose typing already made a history entry
  var jumped = null;         // the row of the last jump (never jump twice to a missing row)

  // -- the state and the address --------------------------------------------------------------

  function readAddress() {
    var params = kit.address.params();
    var filters = {};
    Object.keys(FILTERS).forEach(function (key) {
      var value = params.get(key) || "";
      if (key === "anchors") value = value ? "true" : "";
      filters[FILTERS[key]] = value;
    });
    var match = /^row-(\d+)$/.exec(kit.address.hash());
    return {
      filters: filters,
      ordering: params.get("sort") || DEFAULT.ordering,
      page: Math.max(1, parseInt(params.get("page"), 10) || 1),
      size: parseInt(params.get("size"), 10) || DEFAULT.size,
      highlight: match ? Number(match[1]) : null
    };
  }

  function writeAddress(replace) {
    var changes = {
      sort: state.ordering === DEFAULT.ordering ? "" : state.ordering,
      page: state.page === 1 ? "" : state.page,
      size: state.size === DEFAULT.size ? "" : state.size
    };
    Object.keys(FILTERS).forEach(function (key) {
      var value = state.filters[FILTERS[key]] || "";
      changes[key] = key === "anchors" ? (value ? "1" : "") : value;
    });
    kit.address.set(changes, {
      replace: replace, hash: state.highlight ? "row-" + state.highlight : ""
    });
  }

  function showState() {
    var form = $("compound-filters");
    form.elements.search.value = state.filters.search;
    form.elements.rows.value = state.filters.rows;
    form.elements.status.value = state.filters.status;
    form.elements.category.value = state.filters.category;
    form.elements.group_key.value = state.filters.group_key;
    form.elements.is_anchor.checked = !!state.filters.is_anchor;
    form.elements.identification_level.value = state.filters.identification_level || "";
    form.elements.rows.removeAttribute("aria-invalid");
    $("page-size").value = String(state.size);
    var headers = document.querySelectorAll("#compounds th.sortable");
    Array.prototype.forEach.call(headers, function (th) {
      var field = th.getAttribute("data-order");
      if (state.ordering === field) th.setAttribute("aria-sort", "ascending");
      else if (state.ordering === "-" + field) th.setAttribute("aria-sort", "descending");
      else th.removeAttribute("aria-sort");
    });
  }

  // -- cells --------------------------------------------------------------------------------

  // The name opens the row's own page (its evidence, its place on the RT chart, its links).
  function nameCell(record) {
    var td = el("td");
    var link = el("a", "", record.name);
    link.href = page.rowPage + record.row + "/";
    td.appendChild(link);
    return td;
  }

  function statusCell(record) {
    var td = el("td");
    var badge = el("span", "badge status", record.status);
    badge.style.setProperty("--c", page.colors[record.status] || "#5b6475");
    td.appendChild(badge);
    if (record.is_anchor) td.appendChild(el("span", "muted small", " anchor"));
    return td;
  }

  function parentCell(record) {
    var td = el("td", "num");
    if (record.fragment_parent === null || record.fragment_parent === undefined) return td;
    td.appendChild(kit.rowLink(record.fragment_parent));
    if (record.fragment_of !== null && record.fragment_of !== record.fragment_parent) {
      td.appendChild(document.createTextNode(" root "));
      td.appendChild(kit.rowLink(record.fragment_of));
    }
    return td;
  }

  // The core joins the reasons of a row with "; "; a name may hold ";" itself (36:1;O2).
  function reasonsCell(record) {
    var td = el("td", "reasons");
    var text = record.reasons || "";
    if (!text) return td;
    var list = el("ul");
    text.split("; ").forEach(function (reason) { list.appendChild(el("li", "", reason)); });
    td.appendChild(list);
    return td;
  }

  function checkClass(check) {
    if (/:(pass|consistent|given)$/.test(check)) return "check pass";
    if (/:(fail|mismatch|invalid|reversed|too_large)$/.test(check)) return "check fail";
    return "check";
  }

  // Evidence and warnings are ";"-joined labels (no label holds a ";").
  function evidenceCell(record) {
    var td = el("td");
    var box = el("div", "checks");
    (record.evidence || "").split(";").filter(Boolean).forEach(function (check) {
      box.appendChild(el("span", checkClass(check), check));
    });
    (record.warnings || "").split(";").filter(Boolean).forEach(function (flag) {
      box.appendChild(el("span", "flag", "⚠ " + flag));
    });
    if (record.oac_base_row !== null && record.oac_base_row !== undefined) {
      var base = el("span", "small");
      base.appendChild(document.createTextNode("O-Ac base row "));
      base.appendChild(kit.rowLink(record.oac_base_row));
      box.appendChild(base);
    }
    td.appendChild(box);
    return td;
  }

  function renderRows(results) {
    var body = document.querySelector("#compounds tbody");
    var rows = document.createDocumentFragment();
    if (!results.length) {
      var empty = el("tr");
      var cell = el("td", "muted", "No row matches these filters.");
      cell.colSpan = COLUMNS.length;
      empty.appendChild(cell);
      rows.appendChild(empty);
    }
    results.forEach(function (record) {
      var tr = el("tr", "row-" + record.status);
      tr.setAttribute("data-row", record.row);
      tr.setAttribute("data-status", record.status);
      tr.id = "row-" + record.row;
      COLUMNS.forEach(function (column) {
        var td = column.cell ? column.cell(record) :
          column.digits !== undefined ?
            el("td", "num", kit.number(record[column.key], column.digits, column.signed)) :
            el("td", "", record[column.key]);
        td.setAttribute("data-column", column.key);
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
  }

  function renderPager() {
    var pages = Math.max(1, Math.ceil(count / state.size));
    var first = count ? (state.page - 1) * state.size + 1 : 0;
    var last = Math.min(count, state.page * state.size);
    var span = first === last ? "row " + first : "rows " + first + "–" + last;
    $("page-info").textContent = (count ? span + " of " + count : "no rows") +
      " · page " + state.page + " of " + pages;
    $("page-prev").disabled = state.page <= 1;
    $("page-next").disabled = state.page >= pages;
    $("compounds-count").textContent = kit.counted(count, "matching row");
  }

  function highlight() {
    var old = document.querySelectorAll("#compounds tr.highlight");
    Array.prototype.forEach.call(old, function (tr) { tr.classList.remove("highlight"); });
    if (!state.highlight) return;
    var tr = document.querySelector('#compounds tr[data-row="' + state.highlight + '"]');
    if (!tr) {
      // An address naming a row that is not on its page (a link opened in a new tab): go
      // there, once.
      if (scrollTo && jumped !== state.highlight) jumpToRow(state.highlight);
      return;
    }
    tr.classList.add("highlight");
    if (scrollTo) {
      scrollTo = false;
      tr.tabIndex = -1;
      tr.scrollIntoView({ block: "center" });
      tr.focus({ preventScroll: true });
    }
  }

  // -- loading ------------------------------------------------------------------------------

  function apiQuery(extra) {
    var params = new URLSearchParams();
    params.set("page", state.page);
    params.set("page_size", state.size);
    params.set("ordering", state.ordering);
    Object.keys(state.filters).forEach(function (key) {
      if (state.filters[key]) params.set(key, state.filters[key]);
    });
    Object.keys(extra || {}).forEach(function (key) { params.set(key, extra[key]); });
    return page.compounds + "?" + params.toString();
  }

  function load() {
    var mine = ++seq;
    var table = $("compounds");
    table.setAttribute("aria-busy", "true");
    kit.getJson(apiQuery())
      .then(function (body) {
        if (mine !== seq) return;
        count = body.count;
        renderRows(body.results);
        renderPager();
        highlight();
        table.removeAttribute("aria-busy");
      })
      .catch(function (error) {
        if (mine !== seq) return;
        if (error.status === 404 && state.page > 1) {  // past the last page: go to the first
          state.page = 1;
          writeAddress(true);
          load();
          return;
        }
        if (/^rows: /.test(error.message)) $("compound-filters").elements.rows.setAttribute("aria-invalid", "true");
        $("compounds-count").textContent = "The rows could not be loaded: " + error.message;
        renderRows([]);
        table.removeAttribute("aria-busy");
      });
  }

  // A change the user made: a history entry (typing in one field makes one entry), then load.
  function change(mutate, field) {
    mutate();
    state.highlight = null;
    writeAddress(field !== undefined && typing === field);
    typing = field === undefined ? null : field;
    load();
  }

  // -- jumping to a row ---------------------------------------------------------------------

  function jumpToRow(row) {
    jumped = row;
    state.highlight = row;
    scrollTo = true;
    typing = null;
    if (document.querySelector('#compounds tr[data-row="' + row + '"]')) {
      writeAddress(false);
      highlight();
      return;
    }
    // Not on this page: all rows in row order, on the page that holds it.
    kit.getJson(page.compounds + "?rows=1-" + row + "&page_size=1&ordering=row")
      .then(function (body) {
        state.filters = emptyFilters();
        state.ordering = "row";
        state.page = Math.max(1, Math.ceil(body.count / state.size));
        showState();
        writeAddress(false);
        load();
      })
      .catch(function (error) {
        $("compounds-count").textContent = "Row " + row + " could not be found: " + error.message;
      });
  }

  function emptyFilters() {
    var filters = {};
    Object.keys(FILTERS).forEach(function (key) { filters[FILTERS[key]] = ""; });
    return filters;
  }

  // -- wiring -------------------------------------------------------------------------------

  function initForm(form) {
    var timer = null;
    function readForm() {
      state.filters = {
        search: form.elements.search.value.trim(),
        rows: form.elements.rows.value.trim(),
        status: form.elements.status.value,
        category: form.elements.category.value,
        group_key: form.elements.group_key.value,
        is_anchor: form.elements.is_anchor.checked ? "true" : "",
        identification_level: form.elements.identification_level.value
      };
      state.page = 1;
    }
    form.addEventListener("change", function (event) {
      if (event.target.type === "text" || event.target.type === "search") return;
      change(readForm);
    });
    form.addEventListener("input", function (event) {
      var name = event.target.name;
      if (name !== "search" && name !== "rows") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { change(readForm, name); }, 300);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); change(readForm); });
    form.addEventListener("reset", function () { window.setTimeout(function () { change(readForm); }, 0); });
  }

  function initSorting() {
    var headers = document.querySelectorAll("#compounds th.sortable");
    Array.prototype.forEach.call(headers, function (th) {
      th.querySelector("button").addEventListener("click", function () {
        var field = th.getAttribute("data-order");
        var first = th.getAttribute("data-first") === "descending" ? "-" + field : field;
        var flipped = first.charAt(0) === "-" ? field : "-" + field;
        change(function () {
          state.ordering = state.ordering === first ? flipped : first;
          state.page = 1;
        });
        showState();
      });
    });
  }

  function initPager() {
    $("page-prev").addEventListener("click", function () { change(function () { state.page -= 1; }); });
    $("page-next").addEventListener("click", function () { change(function () { state.page += 1; }); });
    $("page-size").addEventListener("change", function (event) {
      change(function () { state.size = Number(event.target.value) || DEFAULT.size; state.page = 1; });
    });
  }

  // Row numbers in the file's warnings ("rows 70, 72") become links to the rows.
  function linkWarnings() {
    var items = document.querySelectorAll("#file-warnings li");
    Array.prototype.forEach.call(items, function (item) {
      var text = item.textContent;
      var pattern = /\brows? ((?:\d+, )*\d+)/g;
      var parts = document.createDocumentFragment();
      var last = 0, match;
      while ((match = pattern.exec(text)) !== null) {
        var numbersAt = match.index + match[0].length - match[1].length;
        parts.appendChild(document.createTextNode(text.slice(last, numbersAt)));
        match[1].split(", ").forEach(function (number, i) {
          if (i) parts.appendChild(document.createTextNode(", "));
          parts.appendChild(kit.rowLink(Number(number)));
        });
        last = match.index + match[0].length;
      }
      if (!last) return;
      parts.appendChild(document.createTextNode(text.slice(last)));
      item.replaceChildren(parts);
    });
  }

  function init(pageData) {
    var form = $("compound-filters");
    if (!form) return;
    page = pageData;
    state = readAddress();
    scrollTo = !!state.highlight;
    showState();
    initForm(form);
    initSorting();
    initPager();
    linkWarnings();
    kit.address.onChange(function () {
      state = readAddress();
      scrollTo = !!state.highlight;
      typing = null;
      showState();
      load();
    });
    load();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.row-link");
    if (!link || !state || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    jumpToRow(Number(link.getAttribute("data-row")));
  });

  kit.compounds = { init: init, jumpToRow: jumpToRow };
})(window.gangliosidePage);
