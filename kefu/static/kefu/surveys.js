/* Survey pages: the questionnaire editor (add / delete / reorder rows of a Django formset, the share
   field shown only for a sampled survey) and the results charts (ECharts, data from json_script). */
(function () {
  "use strict";

  function editor() {
    var rows = document.getElementById("q-rows");
    var tpl = document.getElementById("q-empty");
    if (!rows || !tpl) return;
    var total = document.querySelector("input[name$='-TOTAL_FORMS']");

    function renumber() {
      var n = 0;
      rows.querySelectorAll("[data-q-row]").forEach(function (row) {
        var order = row.querySelector("input[name$='-ORDER']");
        var del = row.querySelector("input[name$='-DELETE']");
        row.classList.toggle("q-deleted", !!(del && del.checked));
        if (order) order.value = del && del.checked ? "" : String(++n);
      });
    }

    rows.addEventListener("click", function (e) {
      var row = e.target.closest("[data-q-row]");
      if (!row) return;
      if (e.target.closest("[data-q-up]") && row.previousElementSibling) {
        rows.insertBefore(row, row.previousElementSibling);
        renumber();
      } else if (e.target.closest("[data-q-down]") && row.nextElementSibling) {
        rows.insertBefore(row.nextElementSibling, row);
        renumber();
      }
    });
    rows.addEventListener("change", function (e) {
      if (e.target.name && /-DELETE$/.test(e.target.name)) renumber();
    });
    document.getElementById("q-add").addEventListener("click", function () {
      var i = parseInt(total.value, 10);
      var html = tpl.innerHTML.replace(/__prefix__/g, String(i));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(i + 1);
      renumber();
      var text = rows.lastElementChild.querySelector("input[name$='-text']");
      if (text) text.focus();
    });
    renumber();

    var share = document.getElementById("row-share_percent");
    var radios = document.querySelectorAll("input[name='sample']");
    function toggleShare() {
      var picked = document.querySelector("input[name='sample']:checked");
      if (share) share.hidden = !picked || picked.value !== "share";
    }
    radios.forEach(function (r) { r.addEventListener("change", toggleShare); });
    toggleShare();
  }

  // The answer sheet: a question answered after a failed submit loses its red mark; the first error gets focus.
  function answerSheet() {
    var form = document.querySelector(".sv-form");
    if (!form) return;
    form.addEventListener("change", function (e) {
      var q = e.target.closest(".sv-q.has-error");
      if (!q) return;
      q.classList.remove("has-error");
      q.removeAttribute("aria-invalid");
      q.querySelectorAll(".errorlist").forEach(function (el) { el.hidden = true; });
      var summary = document.getElementById("answer-errors");
      if (summary && !form.querySelector(".sv-q.has-error")) summary.hidden = true;
    });
    var first = form.querySelector(".sv-q.has-error input, .sv-q.has-error textarea");
    if (first) first.focus({ preventScroll: false });
  }

  function charts() {
    var data = document.getElementById("survey-charts");
    if (!data || !window.echarts) return;
    var sets = JSON.parse(data.textContent);
    var made = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var set = sets[el.dataset.chart];
      if (!set) return;
      var chart = window.echarts.init(el, null, { renderer: "svg", locale: "ZH" });
      chart.setOption({
        animation: false,
        grid: { left: 48, right: 16, top: 24, bottom: 40 },
        tooltip: { renderMode: "richText", trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(1) + "%"; } },
        xAxis: { type: "category", data: set.labels, axisLabel: { interval: 0, hideOverlap: true } },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [{
          type: "bar",
          name: set.name || "",
          barMaxWidth: 48,
          data: set.values.map(function (v) { return v == null ? "-" : v; }),
          itemStyle: { color: "#07c160" },
          label: { show: true, position: "top", formatter: function (p) { return typeof p.value === "number" ? p.value.toFixed(1) + "%" : ""; } }
        }]
      });
      made.push(chart);
    });
    function resize() { made.forEach(function (c) { c.resize(); }); }
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(editor);
  ready(answerSheet);
  ready(charts);
})();
