// Drag and drop onto the upload form. Progressive enhancement: without JavaScript the plain
// file input works; with it, a file dropped on the zone is put into that same input.
(function () {
  "use strict";
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    var label = zone.querySelector("[data-dropzone-name]");
    if (!input) { return; }
    function show(files) {
      if (label && files.length) {
        var size = files[0].size;
        label.textContent = files[0].name + " (" + size.toLocaleString() + " bytes)";
      }
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) { return; }
      if (files.length > 1) {
        label.textContent = "Drop one file at a time.";
        return;
      }
      input.files = files;
      show(files);
    });
    input.addEventListener("change", function () { show(input.files); });
  });
})();
