/* Kefu's page behaviour, loaded by every page (base.html, portal/base.html). The Content Security Policy
   (docs/security.md) allows no inline event handlers and no style="" attributes, so pages declare what they
   need with data- attributes and this file does it, for the page and for what htmx swaps in later:

     <form data-confirm="确定删除？">          asks before submitting
     <select data-autosubmit>                  submits its form on change
     <button data-print>                       prints the page
     <input type="checkbox" data-check-all="cases">  ticks every input[name=cases]
     <button data-clear="panel">               empties #panel
     <span data-width="42.5">                  width: 42.5% (bars)
*/
(function () {
  "use strict";

  document.addEventListener("submit", function (e) {
    var form = e.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) return;
    var all = t.closest("input[data-check-all]");
    if (all) {
      document.querySelectorAll('input[name="' + all.getAttribute("data-check-all") + '"]').forEach(function (c) {
        c.checked = all.checked;
      });
      return;
    }
    if (t.closest("[data-print]")) { window.print(); return; }
    var clear = t.closest("[data-clear]");
    if (clear) {
      var target = document.getElementById(clear.getAttribute("data-clear"));
      if (target) target.innerHTML = "";
    }
  });

  function widths(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var v = parseFloat(el.getAttribute("data-width"));
      el.style.width = (isFinite(v) ? Math.max(0, Math.min(100, v)) : 0) + "%";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { widths(document); });
  } else {
    widths(document);
  }
  document.addEventListener("htmx:load", function (e) { widths(e.target); });

  // The canned-reply picker (kb/_canned_picker_control.html): inserts the chosen reply into its form's textarea.
  // One listener for every picker the side panel ever shows (htmx swaps the panel in and out).
  document.addEventListener("change", function (ev) {
    var sel = ev.target;
    if (!sel.matches || !sel.matches("select[data-canned-picker]") || !sel.value) return;
    var opt = sel.options[sel.selectedIndex];
    var form = sel.closest("form");
    var box = form && form.querySelector("textarea");
    var note = sel.parentNode.querySelector(".canned-note");
    fetch(opt.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (box) {
          var v = box.value, s = box.selectionStart, e = box.selectionEnd, text = data.text;
          // At the caret where the agent left it; at the end (on a new line) when the box was not used yet.
          if (s == null || (s === 0 && e === 0 && v)) { s = e = v.length; }
          if (s === v.length && v && v.slice(-1) !== "\n") { text = "\n" + text; }
          box.value = v.slice(0, s) + text + v.slice(e);
          box.focus();
          box.selectionStart = box.selectionEnd = s + text.length;
          box.style.height = "auto";  // show the whole reply (up to about 15 lines)
          box.style.height = Math.min(box.scrollHeight + 4, 360) + "px";
          box.dispatchEvent(new Event("input", {bubbles: true}));
        }
        if (note) note.textContent = data.missing.length ? note.dataset.missing + data.missing.join("、") : "";
        sel.value = "";
      })
      .catch(function () { if (note) note.textContent = note.dataset.failed; });
  });
})();
