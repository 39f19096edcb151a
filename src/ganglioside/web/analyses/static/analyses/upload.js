// Upload page: show the chosen file, warn about a file over the size limit before sending it,
// accept a file dropped on the box, and say that the upload is on its way.
"use strict";
(function () {
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var zone = document.getElementById("dropzone");
  var note = document.getElementById("file-choice");
  var button = document.getElementById("start");
  var limit = Number(input.getAttribute("data-max-bytes")) || 0;

  function megabytes(n) { return (n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1) + " MB"; }

  function describe() {
    var file = input.files && input.files[0];
    note.className = "help";
    if (!file) { note.textContent = ""; return true; }
    if (limit && file.size > limit) {
      note.className = "help error";
      note.textContent = file.name + " is " + megabytes(file.size) + "; the largest accepted is " +
        megabytes(limit) + ".";
      return false;
    }
    note.textContent = "Selected: " + file.name + " (" + megabytes(file.size) + ")";
    return true;
  }

  input.addEventListener("change", describe);
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      describe();
    }
  });
  form.addEventListener("submit", function (event) {
    if (!describe()) { event.preventDefault(); return; }
    button.disabled = true;
    button.textContent = "Uploading and checking…";
  });
})();
