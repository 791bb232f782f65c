// Copy buttons: <button data-copy-target="field-id" data-copy-status="status-id" hidden>.
// The button shows only when this script runs; without a clipboard it selects the text instead.
(function () {
  "use strict";

  function selectAll(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copyTarget);
    var status = document.getElementById(button.dataset.copyStatus);
    if (!field) {
      return;
    }
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    function selectInstead() {
      selectAll(field);
      say("The text is selected: press Ctrl+C (or Cmd+C on a Mac) to copy it.");
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (!window.isSecureContext || !navigator.clipboard) {
        selectInstead();
        return;
      }
      navigator.clipboard.writeText(field.value).then(function () {
        say("Copied.");
      }, selectInstead);
    });
  });
})();
