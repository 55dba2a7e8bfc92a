/* The portal's small helpers (no framework): category choices that follow the kind and the place,
   photo previews, the star picker. Every page works without it; the server checks everything. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // 报事: categories of the chosen kind and project; the location is asked for a public area.
  var report = $("#report-form");
  if (report) {
    var place = $("#id_place", report);
    var category = $("#id_category", report);
    var visit = $("[data-visit-time]", report);
    var location = $("#id_location", report);
    var update = function () {
      var kindInput = $("input[name=kind]:checked", report);
      var kind = kindInput ? kindInput.value : "";
      var opt = place && place.options[place.selectedIndex];
      var project = opt ? opt.getAttribute("data-project") : "";
      var isPublic = opt ? opt.hasAttribute("data-public") : false;
      $all("option[data-kind]", category).forEach(function (o) {
        var p = o.getAttribute("data-project");
        var show = o.getAttribute("data-kind") === kind && (!p || p === project);
        o.hidden = !show;
        o.disabled = !show;
        if (!show && o.selected) { category.value = ""; }
      });
      if (visit) { visit.hidden = !(kind === "repair" || kind === "help"); }
      if (location) { location.required = isPublic; }
    };
    report.addEventListener("change", function (e) {
      if (e.target.name === "kind" || e.target === place) { update(); }
    });
    update();
  }

  // Photo previews under each picker.
  $all("[data-photos]").forEach(function (box) {
    var preview = document.createElement("div");
    preview.className = "p-preview";
    box.parentNode.insertBefore(preview, box.nextSibling);
    var render = function () {
      preview.textContent = "";
      var n = 0;
      $all("input[type=file]", box).forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (f) {
          n += 1;
          var img = document.createElement("img");
          img.alt = f.name;
          img.src = URL.createObjectURL(f);
          preview.appendChild(img);
        });
      });
      preview.setAttribute("data-count", String(n));
    };
    box.addEventListener("change", render);
  });

  // Stars: light up to the chosen one and name it.
  $all("[data-stars]").forEach(function (set) {
    var label = $("[data-star-label]", set);
    var paint = function () {
      var chosen = $("input:checked", set);
      var score = chosen ? parseInt(chosen.value, 10) : 0;
      $all("label.p-star", set).forEach(function (l) {
        var v = parseInt($("input", l).value, 10);
        l.classList.toggle("on", v <= score);
      });
      if (chosen && label) { label.textContent = chosen.parentNode.getAttribute("title"); }
    };
    set.addEventListener("change", paint);
    paint();
  });
})();
