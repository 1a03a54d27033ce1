// Page behaviour that used to sit in inline handlers (onclick=, onsubmit=, hx-on), which the
// Content-Security-Policy forbids. Loaded by base.html on every page; every listener is
// delegated from the document, so content swapped in by htmx behaves the same.
(function () {
  "use strict";

  function statuses(value) {
    return (value || "").split(/[\s,]+/).filter(Boolean).map(Number);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr) return;
    // A failing server (500, database down 503, storage full 507) answers an htmx request with
    // a message retargeted to #server-error (core/errors.py); htmx swaps no error response
    // unless told to here.
    if ([500, 503, 507].indexOf(xhr.status) >= 0 &&
        xhr.getResponseHeader("HX-Retarget") === "#server-error") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    // data-swap-status="409 422": a form answered with these statuses (a validation error, a
    // stale version) shows the answer in place.
    var holder = event.detail.elt && event.detail.elt.closest("[data-swap-status]");
    if (holder && statuses(holder.getAttribute("data-swap-status")).indexOf(xhr.status) >= 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // data-remove-before-request="#id": remove that element when this element sends a request.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var selector = elt && elt.getAttribute && elt.getAttribute("data-remove-before-request");
    if (!selector) return;
    var doomed = document.querySelector(selector);
    if (doomed) doomed.remove();
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    // data-remove-row: a Cancel button that drops its (unsaved) table row.
    var remover = target.closest("[data-remove-row]");
    if (remover) {
      var row = remover.closest("tr");
      if (row) row.remove();
      return;
    }
    // data-select-on-click: a read-only field whose text is selected for copying.
    if (target.matches("[data-select-on-click]")) target.select();
  });

  // data-confirm="…": a form that asks before it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  // data-navigate-on-change: a form with one select whose values are addresses (the
  // organization switcher); choosing one goes there.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement)) return;
    var form = select.closest("form[data-navigate-on-change]");
    if (form && select.value) window.location.href = select.value;
  });
})();
