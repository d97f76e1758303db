/* ClearCRM's own script: small enhancements over pages that work without it.
   Served as a static file (the CSP allows no inline script). */
(function () {
  "use strict";

  // Dropdowns (<details data-dropdown>): one open at a time; Escape or a click outside closes.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-dropdown][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-dropdown][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // Selects that apply at once (the form's button stays for keyboard and no-script use).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  // Leads table: "select all", and the bulk bar counts what is selected.
  function updateBulk(table) {
    var form = table.closest("form");
    if (!form) return;
    var boxes = form.querySelectorAll("input[name=ids]");
    var chosen = form.querySelectorAll("input[name=ids]:checked").length;
    var all = form.querySelector("input[data-select-all]");
    if (all) {
      all.checked = chosen > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
    var counter = form.querySelector("[data-selected-count]");
    if (counter) counter.textContent = counter.dataset.template.replace("%s", chosen);
    form.querySelectorAll("[data-needs-selection]").forEach(function (el) { el.disabled = chosen === 0; });
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input[data-select-all]")) {
      target.closest("form").querySelectorAll("input[name=ids]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches("input[data-select-all], input[name=ids]")) updateBulk(target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-select-all]").forEach(updateBulk);
  });

  // Kanban: drag a card onto another column; the move is posted through htmx,
  // exactly as the card's "Move to" menu posts it.
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kcard[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (event) {
    var column = dragged && event.target.closest(".column[data-status]");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".column.drop-target").forEach(function (c) {
      if (c !== column) c.classList.remove("drop-target");
    });
    column.classList.add("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var column = dragged && event.target.closest(".column[data-status]");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    var card = dragged;
    if (column.dataset.status === card.dataset.status || !window.htmx) return;
    window.htmx.ajax("POST", card.dataset.moveUrl, {
      source: card,
      target: card,
      swap: "delete",
      values: { status: column.dataset.status }
    });
  });
  // A move that failed (the lead was deleted, the session expired): show the truth.
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt && event.detail.elt.closest(".board")) window.location.reload();
  });
})();
