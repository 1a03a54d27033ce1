// The treatment form's control picker (risks/_controls.html). Without this script every
// control is a plain checkbox. Here: a search box that hides the controls (and themes) that do
// not match, and the count of what is chosen. Listeners are delegated from the document, so a
// risk page re-drawn by htmx keeps them; the search row is shown whenever a picker appears.
(function () {
  "use strict";

  function showSearch(root) {
    (root || document).querySelectorAll("[data-control-picker] [data-picker-search-row]")
      .forEach(function (row) { row.hidden = false; });
  }

  function count(picker) {
    var chosen = picker.querySelectorAll("[data-picker-option] input[type=checkbox]:checked").length;
    var label = picker.querySelector("[data-picker-count]");
    if (label) label.textContent = chosen + " chosen";
  }

  function filter(picker, text) {
    var words = text.toLowerCase().split(/\s+/).filter(Boolean);
    var any = false;
    picker.querySelectorAll("[data-picker-group]").forEach(function (group) {
      var here = false;
      group.querySelectorAll("[data-picker-option]").forEach(function (option) {
        var haystack = option.getAttribute("data-search") || "";
        var match = words.every(function (word) { return haystack.indexOf(word) >= 0; });
        option.hidden = !match;
        here = here || match;
      });
      group.hidden = !here;
      any = any || here;
    });
    var none = picker.querySelector("[data-picker-none]");
    if (none) none.hidden = any;
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-picker-search")) return;
    var picker = box.closest("[data-control-picker]");
    if (picker) filter(picker, box.value);
  });

  // Enter in the search box filters; it must not send the treatment form.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Enter" && box instanceof HTMLInputElement && box.hasAttribute("data-picker-search")) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    var picker = box instanceof Element && box.closest("[data-control-picker]");
    if (picker) count(picker);
  });

  document.addEventListener("DOMContentLoaded", function () { showSearch(document); });
  document.addEventListener("htmx:load", function (event) { showSearch(event.detail.elt); });
})();
