// History page: the compare button is enabled when exactly two analyses are ticked.
"use strict";
(function () {
  var form = document.getElementById("compare-form");
  if (!form) return;
  var button = document.getElementById("compare-selected");
  function update() {
    var ticked = form.querySelectorAll("input[name=id]:checked").length;
    button.disabled = ticked !== 2;
    button.textContent = ticked === 2 ? "Compare the two ticked" :
      "Tick two analyses to compare (" + ticked + " ticked)";
  }
  form.addEventListener("change", update);
  update();
})();
