// Page behaviour that used to sit in inline handlers (onclick=, onsubmit=, hx-on), which the
// Content-Security-Policy forbids. Loaded by base.html on every page; every listener is
// delegated from the document, so content swapped in by htmx behaves the same.
(function () {
  "use strict";

  function statuses(value) {
    return (value || "").split(/[\s,]+/).filter(Boolean).map(Number);
  }

  // Every refusal is visible. htmx swaps no 4xx/5xx answer by default, so a refused action
  // used to look like a broken button. Here, an HTML fragment meant for the target (a form
  // re-rendered with its errors) is swapped in; anything else (JSON {"detail"}, plain text, a
  // whole error page, an answer to a request that swaps nothing) becomes an alert next to the
  // element that sent the request.
  var REFUSAL_CLASS = "htmx-refusal";

  function isFullPage(text) {
    return /^\s*(<!doctype|<html[\s>])/i.test(text);
  }

  function isFragment(text) {
    return /^\s*</.test(text) && !isFullPage(text);
  }

  function textOf(node) {
    return (node && node.textContent || "").replace(/\s+/g, " ").trim();
  }

  // The message a person should read in a refusal: the JSON "detail", the alerts and errors
  // of an HTML answer (else its heading and first paragraph, else its title), or plain text.
  function refusalMessage(xhr) {
    var body = xhr.responseText || "";
    var type = xhr.getResponseHeader("Content-Type") || "";
    var message = "";
    if (type.indexOf("json") >= 0) {
      try {
        var data = JSON.parse(body);
        message = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail || data);
      } catch (e) {
        message = body;
      }
    } else if (/^\s*</.test(body)) {
      var doc = new DOMParser().parseFromString(body, "text/html");
      var parts = [];
      doc.querySelectorAll("[role=alert], .errors, .errorlist").forEach(function (node) {
        var text = textOf(node);
        if (text && !parts.some(function (seen) { return seen.indexOf(text) >= 0; })) {
          parts.push(text);
        }
      });
      if (!parts.length) {
        var main = doc.querySelector("main") || doc.body;
        [main && main.querySelector("h1"), main && main.querySelector("p")].forEach(function (node) {
          if (textOf(node)) parts.push(textOf(node));
        });
      }
      message = parts.join(" ") || textOf(doc.querySelector("title"));
    } else {
      message = body.trim();
    }
    if (message.length > 600) message = message.slice(0, 600) + "…";
    var status = xhr.status ? "HTTP " + xhr.status + (xhr.statusText ? " " + xhr.statusText : "") : "";
    return message || ("The server refused this request (" + status + ").");
  }

  function clearRefusal(elt) {
    var next = elt && elt.nextElementSibling;
    if (next && next.classList.contains(REFUSAL_CLASS)) next.remove();
  }

  function showRefusal(elt, message) {
    var alert = document.createElement("p");
    alert.className = "errors " + REFUSAL_CLASS;
    alert.setAttribute("role", "alert");
    alert.setAttribute("aria-live", "assertive");
    alert.textContent = message;
    if (elt && elt.isConnected && elt !== document.body) {
      clearRefusal(elt);
      elt.insertAdjacentElement("afterend", alert);
    } else {
      // No element to stand next to: the page-level slot the outage messages use.
      var slot = document.getElementById("server-error");
      if (!slot) return;
      slot.replaceChildren(alert);
    }
  }

  function swapsNothing(detail) {
    var elt = detail.elt;
    var holder = elt && elt.closest && elt.closest("[hx-swap]");
    var swap = holder ? holder.getAttribute("hx-swap") || "" : "";
    // "delete" would remove the target on a refusal: the message goes beside it instead.
    return /^\s*(none|delete)\b/.test(swap) || !detail.target;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (!xhr || xhr.status < 400) return;
    // A failing server (500, database down 503, storage full 507) answers an htmx request with
    // a message retargeted to #server-error (core/errors.py).
    if ([500, 503, 507].indexOf(xhr.status) >= 0 &&
        xhr.getResponseHeader("HX-Retarget") === "#server-error") {
      detail.shouldSwap = true;
      detail.isError = false;
      return;
    }
    var body = xhr.responseText || "";
    var type = xhr.getResponseHeader("Content-Type") || "";
    // A 4xx HTML fragment for the target (a form with its errors, a stale version): in place.
    // data-swap-status="409 422" on a container still forces it for those statuses.
    var holder = detail.elt && detail.elt.closest && detail.elt.closest("[data-swap-status]");
    var listed = holder && statuses(holder.getAttribute("data-swap-status")).indexOf(xhr.status) >= 0;
    if (!swapsNothing(detail) && xhr.status < 500 && type.indexOf("html") >= 0 &&
        (isFragment(body) || (listed && !isFullPage(body)))) {
      clearRefusal(detail.elt);
      detail.shouldSwap = true;
      detail.isError = false;
      return;
    }
    detail.shouldSwap = false;
    showRefusal(detail.elt, refusalMessage(xhr));
  });

  // The server was not reached at all (network down, request blocked).
  document.addEventListener("htmx:sendError", function (event) {
    showRefusal(event.detail.elt, "The server could not be reached: check the connection and try again.");
  });

  // A new attempt clears the alert an earlier refusal left next to the same element.
  document.addEventListener("htmx:beforeRequest", function (event) {
    clearRefusal(event.detail.elt);
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

  // data-show-when="grade=major_nc minor_nc": a field offered only while another field of its
  // form has one of these values; hidden (with its paragraph) and not sent otherwise.
  function applyShowWhen(field) {
    var rule = (field.getAttribute("data-show-when") || "").split("=");
    var other = field.form && field.form.elements.namedItem(rule[0]);
    if (!other) return;
    var shown = (rule[1] || "").split(/\s+/).indexOf(other.value) >= 0;
    var holder = field.closest("p") || field;
    holder.hidden = !shown;
    field.disabled = !shown;
  }

  function applyAllShowWhen(root) {
    (root || document).querySelectorAll("[data-show-when]").forEach(applyShowWhen);
  }

  document.addEventListener("DOMContentLoaded", function () { applyAllShowWhen(document); });
  document.addEventListener("htmx:load", function (event) { applyAllShowWhen(event.detail.elt); });

  // The top bar's Menu button: below 760px (annexa.css) the account links and the
  // organization's sections fold behind it. Without this script they stay open.
  function setUpMenu() {
    var bar = document.querySelector(".topbar");
    var button = bar && bar.querySelector(".menu-toggle");
    if (!button) return;
    bar.classList.add("has-menu");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = !bar.classList.contains("menu-open");
      bar.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bar.classList.contains("menu-open")) {
        bar.classList.remove("menu-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  // Every table scrolls sideways inside its own box (.table-scroll) when it is wider than the
  // screen, instead of widening the page; tables swapped in by htmx are wrapped as they come.
  function wrapTables(root) {
    var tables = [];
    if (root instanceof HTMLTableElement) tables.push(root);
    if (root && root.querySelectorAll) tables = tables.concat([].slice.call(root.querySelectorAll("table")));
    tables.forEach(function (table) {
      var parent = table.parentElement;
      if (!parent || parent.classList.contains("table-scroll") || table.closest(".table-scroll")) return;
      var box = document.createElement("div");
      box.className = "table-scroll";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  // A box that scrolls sideways (a wide table, a chart, the coverage matrix) can be reached
  // and scrolled with the keyboard: it takes focus while, and only while, it overflows.
  var SCROLL_BOXES = ".table-scroll, :has(> svg.chart), [data-scroll-box]";

  function markScrollBoxes() {
    document.querySelectorAll(SCROLL_BOXES).forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    wrapTables(document.body);
    markScrollBoxes();
  });
  document.addEventListener("htmx:load", function (event) {
    wrapTables(event.detail.elt);
    markScrollBoxes();
  });
  window.addEventListener("resize", markScrollBoxes);

  // data-navigate-on-change: a form with one select whose values are addresses (the
  // organization switcher); choosing one goes there.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof Element && select.form) {
      select.form.querySelectorAll("[data-show-when]").forEach(applyShowWhen);
    }
    if (!(select instanceof HTMLSelectElement)) return;
    var form = select.closest("form[data-navigate-on-change]");
    if (form && select.value) window.location.href = select.value;
  });
})();
