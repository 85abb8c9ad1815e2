// clinicdesk keyboard layer: "/" search, "?" shortcuts, single-key actions, arrow keys through results.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() {
    return Array.from(document.querySelectorAll("table[data-nav=rows] a.row-link"))
      .filter(function (a) { return a.offsetParent !== null; });
  }
  function moveSelection(step) {
    var links = rows();
    if (!links.length) return false;
    var at = links.indexOf(document.activeElement);
    var next = links[Math.max(0, Math.min(links.length - 1, at + step))];
    links.forEach(function (a) { a.closest("tr").classList.remove("is-selected"); });
    next.closest("tr").classList.add("is-selected");
    next.focus();
    return true;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var el = document.activeElement;
    if (ev.key === "Escape") {
      var pop = document.getElementById("search-popover");
      if (pop && pop.innerHTML) { pop.innerHTML = ""; }
      return;
    }
    if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && (el.type === "search" || el.classList.contains("row-link"))) {
      if (moveSelection(ev.key === "ArrowDown" ? 1 : -1)) ev.preventDefault();
      return;
    }
    if (typing(el)) return;
    if (ev.key === "/") {
      var box = document.getElementById("patient-search") || document.getElementById("global-search");
      if (box) { ev.preventDefault(); box.focus(); box.select(); }
    } else if (ev.key === "?") {
      var dlg = document.getElementById("shortcuts");
      if (dlg && !dlg.open) { ev.preventDefault(); dlg.showModal(); }
    } else if ((ev.key === "j" || ev.key === "k") && document.querySelector("table[data-jk]")) {
      // Work lists (the inbox): j/k move through the rows, like the arrow keys.
      if (moveSelection(ev.key === "j" ? 1 : -1)) ev.preventDefault();
    } else if (ev.key === "x" && el.classList.contains("row-link") && el.closest("table[data-jk]")) {
      var box = el.closest("tr").querySelector("input[type=checkbox]");
      if (box) { ev.preventDefault(); box.checked = !box.checked; }
    } else {
      // A shortcut of the focused row (data-row-shortcut) wins over the page's (data-shortcut).
      var row = el.closest && el.closest("tr");
      var target = (row && row.querySelector('[data-row-shortcut="' + ev.key + '"]')) ||
        document.querySelector('[data-shortcut="' + ev.key + '"]');
      if (target) { ev.preventDefault(); target.click(); }
    }
  });
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-action=shortcuts]");
    if (btn) { document.getElementById("shortcuts").showModal(); }
    if (ev.target.closest("[data-action=print]")) { window.print(); }
  });
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });
})();
