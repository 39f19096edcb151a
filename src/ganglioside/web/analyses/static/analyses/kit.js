// Helpers shared by the analysis page's scripts: DOM built from text only (never from HTML),
// numbers at the precision the instrument gives, counted nouns, JSON requests that wait when
// the server asks them to, and the page's state in its address (shareable; Back works).
"use strict";
(function () {
  var kit = {};

  kit.$ = function (id) { return document.getElementById(id); };

  kit.el = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  // ``digits`` decimals (-1: a whole number with thousands separators); ``signed`` writes "+"
  // before positive numbers (and "-" before a negative zero, as Python does).
  kit.number = function (value, digits, signed) {
    if (value === null || value === undefined || value === "") return "";
    var n = Number(value);
    if (!isFinite(n)) return "";
    if (digits === -1) return Math.round(n).toLocaleString("en-US");
    var text = n.toFixed(digits);
    if (signed && text.charAt(0) !== "-") text = (n < 0 || Object.is(n, -0) ? "-" : "+") + text;
    return text;
  };

  kit.counted = function (n, noun, plural) {
    return n + " " + (n === 1 ? noun : (plural || noun + "s"));
  };

  // A link to a row of the compound table; the compound table's script makes it jump there.
  kit.rowLink = function (row, label) {
    var link = kit.el("a", "row-link", label === undefined ? row : label);
    link.href = "#row-" + row;
    link.setAttribute("data-row", String(row));
    return link;
  };

  // GET JSON from this server; a 429 waits for Retry-After and tries again (three times).
  kit.getJson = function (url, tries) {
    tries = tries === undefined ? 3 : tries;
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 429 && tries > 0) {
          var wait = Number(response.headers.get("Retry-After")) || 1;
          return new Promise(function (resolve) { window.setTimeout(resolve, wait * 1000); })
            .then(function () { return kit.getJson(url, tries - 1); });
        }
        return response.json().catch(function () { return null; }).then(function (body) {
          if (response.ok) return body;
          var error = new Error((body && body.error && body.error.message) ||
                                ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        });
      });
  };

  // -- the address ------------------------------------------------------------------------------
  // Each part of the page owns some query parameters; ``kit.address.set`` changes them and
  // makes a history entry (or replaces the current one), ``onChange`` hears Back and Forward.

  var listeners = [];
  kit.address = {
    params: function () { return new URLSearchParams(window.location.search); },
    hash: function () { return window.location.hash.replace(/^#/, ""); },
    set: function (changes, options) {
      options = options || {};
      var params = kit.address.params();
      Object.keys(changes).forEach(function (key) {
        var value = changes[key];
        if (value === null || value === undefined || value === "") params.delete(key);
        else params.set(key, String(value));
      });
      var query = params.toString();
      var hash = options.hash === undefined ? window.location.hash : (options.hash ? "#" + options.hash : "");
      var url = window.location.pathname + (query ? "?" + query : "") + hash;
      if (url === window.location.pathname + window.location.search + window.location.hash) return;
      if (options.replace) window.history.replaceState(null, "", url);
      else window.history.pushState(null, "", url);
    },
    onChange: function (listener) { listeners.push(listener); }
  };
  window.addEventListener("popstate", function () {
    listeners.forEach(function (listener) { listener(); });
  });

  window.gangliosidePage = kit;
})();
