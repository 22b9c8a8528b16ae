// Forms: focus the error summary (templates/includes/form_errors.html) so a keyboard or
// screen-reader user lands on what went wrong, and show only the fields that apply
// (data-show-when="name=value" or "name=a|b" on a field's wrapper). Without JavaScript every field
// stays visible and works; the server checks every value anyway.
(function () {
  "use strict";

  function focusSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  function currentValues(form, name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      values.push(input.value);
    });
    return values;
  }

  function applyConditions(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      // "name=value" or "name=one|two|three": shown while one of the values is chosen.
      var rule = block.getAttribute("data-show-when").split("=");
      var wanted = rule[1].split("|");
      var shown = currentValues(form, rule[0]).some(function (value) {
        return wanted.indexOf(value) !== -1;
      });
      block.hidden = !shown;
    });
  }

  function setUp(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-show-when]") || form.dataset.rmConditions) return;
      form.dataset.rmConditions = "1";
      applyConditions(form);
      form.addEventListener("change", function () {
        applyConditions(form);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    focusSummary(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    setUp(event.target);
    focusSummary(event.target);
  });
})();
