// The fragment links of the analysis page, paged through the API: each in-source fragment with
// its parent, the residues it lost, its RT offset and its volume against its parent's.  Both row
// numbers link to the rows in the compound table.
"use strict";
(function (kit) {
  var el = kit.el, $ = kit.$;
  var SIZE = 50;
  var page = null;
  var current = 1;
  var count = 0;

  function cell(className, text) { return el("td", className, text); }

  function linked(row) {
    var td = cell("num");
    if (row !== null && row !== undefined) td.appendChild(kit.rowLink(row));
    return td;
  }

  function render(results) {
    var body = document.querySelector("#fragments tbody");
    var rows = document.createDocumentFragment();
    if (!results.length) {
      var empty = el("tr");
      var none = cell("muted", "No in-source fragment was found.");
      none.colSpan = 9;
      empty.appendChild(none);
      rows.appendChild(empty);
    }
    results.forEach(function (link) {
      var tr = el("tr");
      tr.setAttribute("data-fragment", link.fragment_row);
      tr.setAttribute("data-parent", link.parent_row);
      [
        linked(link.fragment_row), cell("", link.fragment_name),
        linked(link.parent_row), cell("", link.parent_name),
        cell("mono", link.lost),
        cell("num", kit.number(link.delta_rt, 3, true)),
        cell("num", kit.number(link.volume_ratio, 3)),
        cell("num", kit.number(link.fragment_volume, -1)),
        cell("num", kit.number(link.parent_volume, -1))
      ].forEach(function (td) { tr.appendChild(td); });
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
    var pages = Math.max(1, Math.ceil(count / SIZE));
    $("fragments-count").textContent = kit.counted(count, "fragment link");
    $("fragments-info").textContent = "page " + current + " of " + pages;
    $("fragments-prev").disabled = current <= 1;
    $("fragments-next").disabled = current >= pages;
    $("fragments-prev").parentElement.hidden = pages <= 1;
  }

  function load() {
    var table = $("fragments");
    table.setAttribute("aria-busy", "true");
    kit.getJson(page.fragments + "?page=" + current + "&page_size=" + SIZE)
      .then(function (body) {
        count = body.count;
        render(body.results);
      })
      .catch(function (error) {
        $("fragments-count").textContent = "The fragment links could not be loaded: " + error.message;
      })
      .then(function () { table.removeAttribute("aria-busy"); });
  }

  function init(pageData) {
    if (!$("fragments")) return;
    page = pageData;
    $("fragments-prev").addEventListener("click", function () { current -= 1; load(); });
    $("fragments-next").addEventListener("click", function () { current += 1; load(); });
    load();
  }

  kit.fragments = { init: init };
})(window.gangliosidePage);
