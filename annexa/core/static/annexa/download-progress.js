// Downloads made on request (a PDF rendered by the server) show that they are under way.
//
// A link with data-download-progress="PDF" is fetched by this script instead of followed:
// while the server works, the page says "Preparing the PDF…" next to the link, with a
// progress bar and the seconds elapsed (shown after a moment, so a quick file does not
// flicker); when the file arrives it is saved under the server's file name. A refusal (a PDF
// over the time limit answers 503 with the reason) is shown as an alert beside the link.
// Without script, or in a browser without fetch, the link is an ordinary download. Loaded by
// the pages that offer such links; no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  var SHOW_AFTER_MS = 300;
  var BUSY = "aria-busy";

  function textOf(node) {
    return (node && node.textContent || "").replace(/\s+/g, " ").trim();
  }

  // The file name the server gave (Content-Disposition), else the link's last path segment.
  function fileName(response, link, what) {
    var header = response.headers.get("Content-Disposition") || "";
    var encoded = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
    if (encoded) {
      try { return decodeURIComponent(encoded[1].trim()); } catch (e) { /* fall through */ }
    }
    var plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
    if (plain) return plain[1].trim();
    var last = new URL(link.href, document.baseURI).pathname.split("/").filter(Boolean).pop();
    return (last || "download") + (what ? "." + what.toLowerCase() : "");
  }

  // What the server said when it refused: the JSON "detail", the error page's heading and
  // message, or its plain text.
  function refusal(response) {
    var type = response.headers.get("Content-Type") || "";
    return response.text().then(function (body) {
      var message = body.trim();
      if (type.indexOf("json") >= 0) {
        try { message = JSON.parse(body).detail || message; } catch (e) { /* the raw text */ }
      } else if (/^\s*</.test(body)) {
        var doc = new DOMParser().parseFromString(body, "text/html");
        var box = doc.querySelector("[role=alert]") || doc.querySelector("main") || doc.body;
        var parts = [box && box.querySelector("h1"), box && box.querySelector("p")]
          .map(textOf).filter(Boolean);
        message = parts.join(". ").replace(/\.\./g, ".") || textOf(doc.querySelector("title"));
      }
      if (message.length > 600) message = message.slice(0, 600) + "…";
      return message || "The server answered HTTP " + response.status + ".";
    });
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = name;
    anchor.hidden = true;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function clearBeside(link) {
    var next = link.nextElementSibling;
    while (next && next.hasAttribute("data-download-status")) {
      next.remove();
      next = link.nextElementSibling;
    }
  }

  function beside(link, role) {
    var node = document.createElement("span");
    node.setAttribute("data-download-status", "");
    node.setAttribute("role", role);
    link.insertAdjacentElement("afterend", node);
    return node;
  }

  function start(link) {
    var what = link.getAttribute("data-download-progress") || "file";
    clearBeside(link);
    link.setAttribute(BUSY, "true");
    link.setAttribute("aria-disabled", "true");
    var status = beside(link, "status");
    status.className = "download-progress";
    status.hidden = true;
    var bar = document.createElement("progress"); // no value: an indeterminate bar
    bar.setAttribute("aria-label", "Preparing the " + what);
    var label = document.createElement("span");
    status.append(" ", bar, " ", label);
    var started = Date.now();
    function tick() {
      var seconds = Math.floor((Date.now() - started) / 1000);
      label.textContent = "Preparing the " + what + "…" + (seconds >= 1 ? " " + seconds + " s" : "");
    }
    tick();
    var reveal = setTimeout(function () { status.hidden = false; }, SHOW_AFTER_MS);
    var timer = setInterval(tick, 1000);
    function done() {
      clearTimeout(reveal);
      clearInterval(timer);
      status.remove();
      link.removeAttribute(BUSY);
      link.removeAttribute("aria-disabled");
    }
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          return refusal(response).then(function (message) { throw { refused: message }; });
        }
        return response.blob().then(function (blob) {
          done();
          save(blob, fileName(response, link, what));
        });
      })
      .catch(function (error) {
        done();
        var alert = beside(link, "alert");
        alert.className = "errors";
        alert.textContent = " " + (error && error.refused ||
          "The download failed (" + (error && error.message || "no answer") + "); try again.");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-download-progress]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (!window.fetch || !window.URL || !URL.createObjectURL) return;
    event.preventDefault();
    if (link.getAttribute(BUSY) === "true") return; // already under way
    start(link);
  });
})();
