// The notice form: show the building or tag choices for the chosen audience, and the time when scheduling.
(function () {
  const form = document.querySelector("form.notice-edit");
  if (!form) return;
  function sync() {
    const audience = (form.querySelector("input[name=audience]:checked") || {}).value;
    const mode = (form.querySelector("input[name=mode]:checked") || {}).value;
    form.querySelectorAll(".audience-part").forEach(function (el) { el.hidden = el.dataset.for !== audience; });
    form.querySelectorAll(".when").forEach(function (el) { el.hidden = el.dataset.for !== mode; });
  }
  form.addEventListener("change", sync);
  sync();
})();
