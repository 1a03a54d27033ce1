// The checklist page (audits/checklist/list.html).
// Moving an item: the server saved the new order; move the block here so that nothing
// typed in other items' forms is lost, and keep the focus on the button that was pressed.
document.body.addEventListener("htmx:afterRequest", function (event) {
  var moved = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Checklist-Moved");
  if (!moved || moved === "none") return;
  var button = event.detail.elt;
  var item = button.closest("li.checklist-item");
  var sibling = item;
  do {
    sibling = moved === "up" ? sibling.previousElementSibling : sibling.nextElementSibling;
  } while (sibling && sibling.classList.contains("removed"));
  if (!sibling) return;
  if (moved === "up") { sibling.before(item); } else { sibling.after(item); }
  button.focus();
});
