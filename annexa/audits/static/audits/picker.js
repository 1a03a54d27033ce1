// The audit form's scope pickers (audits/_picker.html). The page works without this script:
// every item is a checkbox, and a ticked "whole group" box makes the server add the group.
// Here: a search box that hides the items (and groups) that do not match, a "whole group" box
// that ticks and unticks its items on the page (never a control the SoA marks not applicable),
// and the counts of what is chosen.
(function () {
  "use strict";

  function members(group) {
    return Array.prototype.filter.call(
      group.querySelectorAll("[data-picker-option] input[type=checkbox]"),
      function (box) { return box.getAttribute("data-soa") !== "excluded"; }
    );
  }

  function syncWhole(group) {
    var whole = group.querySelector("[data-picker-whole]");
    var boxes = members(group);
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    whole.checked = boxes.length > 0 && ticked === boxes.length;
    whole.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  function count(picker) {
    var total = 0;
    var chosen = 0;
    picker.querySelectorAll("[data-picker-group]").forEach(function (group) {
      var boxes = group.querySelectorAll("[data-picker-option] input[type=checkbox]");
      var ticked = group.querySelectorAll("[data-picker-option] input[type=checkbox]:checked");
      group.querySelector("[data-picker-group-count]").textContent =
        "(" + ticked.length + " of " + boxes.length + ")";
      total += boxes.length;
      chosen += ticked.length;
    });
    picker.querySelector("[data-picker-count]").textContent = chosen + " of " + total + " chosen";
  }

  function filter(picker, text) {
    var words = text.toLowerCase().split(/\s+/).filter(Boolean);
    var shownAny = false;
    picker.querySelectorAll("[data-picker-group]").forEach(function (group) {
      var shownHere = false;
      group.querySelectorAll("[data-picker-option]").forEach(function (option) {
        var haystack = option.getAttribute("data-search") || "";
        var match = words.every(function (word) { return haystack.indexOf(word) >= 0; });
        option.hidden = !match;
        shownHere = shownHere || match;
      });
      group.hidden = !shownHere;
      shownAny = shownAny || shownHere;
    });
    picker.querySelector("[data-picker-none]").hidden = shownAny;
  }

  function setUp(picker) {
    var row = picker.querySelector("[data-picker-search-row]");
    var search = picker.querySelector("[data-picker-search]");
    row.hidden = false;
    search.addEventListener("input", function () { filter(picker, search.value); });
    // Enter in the search box filters; it must not submit the whole audit form.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    picker.addEventListener("change", function (event) {
      var box = event.target;
      var group = box.closest("[data-picker-group]");
      if (!group) return;
      if (box.hasAttribute("data-picker-whole")) {
        members(group).forEach(function (member) { member.checked = box.checked; });
      }
      syncWhole(group);
      count(picker);
    });
    picker.querySelectorAll("[data-picker-group]").forEach(syncWhole);
    count(picker);
  }

  function start() {
    document.querySelectorAll("[data-picker]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
