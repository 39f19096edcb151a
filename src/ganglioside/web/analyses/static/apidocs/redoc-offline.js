// ReDoc's side menu shows a logo taken from its makers' CDN.  This site's Content-Security-Policy
// allows images from this server only, so the browser would block it and report an error.  The
// source of that one image is emptied before the browser asks for it (ReDoc sets it as a
// property; setAttribute is covered too); ReDoc then hides the image itself (its error
// handler).  Loaded before ReDoc; every other image passes through unchanged.
"use strict";
(function () {
  var FOREIGN_LOGO = /^https?:\/\/cdn\.redoc\.ly\//;
  function allowed(value) { return FOREIGN_LOGO.test(String(value)) ? "" : value; }

  var property = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: property.enumerable,
    get: property.get,
    set: function (value) { property.set.call(this, allowed(value)); }
  });

  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src") value = allowed(value);
    return setAttribute.call(this, name, value);
  };
})();
