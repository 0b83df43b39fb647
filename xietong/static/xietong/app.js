// What the pages do in the browser, by data attributes: the Content-Security-Policy allows no inline
// script or handler (settings CONTENT_SECURITY_POLICY). Every listener is delegated from the document,
// so it holds for what htmx swaps in as well. Without JavaScript every form still submits.
//
//   <form data-confirm="…">     asks before submitting
//   <form data-once>            submits once: a second submit is ignored, the buttons are disabled
//   <select data-autosubmit>    submits its form when changed
//   <input data-check-all="n">  checks or unchecks every checkbox named n in the same table
//   <button data-set-field="f" data-set-value="v">  sets the form's field f to v before submitting
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-once")) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      // After the form's data is taken: a disabled button would not send its own name and value.
      window.setTimeout(function () {
        form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
          b.disabled = true;
        });
      }, 0);
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) {
      return;
    }
    if (el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
    var name = el.getAttribute("data-check-all");
    if (name) {
      var scope = el.closest("table") || el.form || document;
      scope.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-set-field]") : null;
    if (button && button.form) {
      var field = button.form.elements.namedItem(button.getAttribute("data-set-field"));
      if (field) {
        field.value = button.getAttribute("data-set-value");
      }
    }
  });
})();
