// Shows, as a person types, how many characters a text area has left of its limit.
// The limit is enforced by the server; nothing typed is cut off here, so a long paste is kept
// and the form says which field to shorten.
(function () {
  "use strict";

  function describe(remaining) {
    if (remaining >= 0) {
      return "You have " + remaining.toLocaleString("en-GB") + " character" +
        (remaining === 1 ? "" : "s") + " remaining";
    }
    var over = -remaining;
    return "You have " + over.toLocaleString("en-GB") + " character" +
      (over === 1 ? "" : "s") + " too many";
  }

  // Counted as the server counts: code points, with each new line sent as two characters.
  function remainingIn(field) {
    var limit = parseInt(field.getAttribute("data-character-limit"), 10);
    return limit - Array.from(field.value.replace(/\r?\n/g, "\r\n")).length;
  }

  function attach(field) {
    var limit = parseInt(field.getAttribute("data-character-limit"), 10);
    if (!limit) {
      return;
    }
    var status = document.createElement("div");
    status.className = "form-text character-count";
    status.id = field.id + "_character_count";
    status.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", status);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + status.id);

    function update() {
      var remaining = remainingIn(field);
      status.textContent = describe(remaining);
      status.classList.toggle("text-danger", remaining < 0);
      status.classList.toggle("fw-bold", remaining < 0);
    }
    field.addEventListener("input", update);
    update();
  }

  function over(field) {
    return remainingIn(field) < 0;
  }

  // A form with a field over its limit is not sent: a very long paste could exceed what the
  // server accepts at all, and the page, with everything typed, would be lost.
  function guard(form) {
    form.addEventListener("submit", function (event) {
      var tooLong = Array.from(form.querySelectorAll("textarea[data-character-limit]")).filter(over);
      if (tooLong.length) {
        event.preventDefault();
        tooLong[0].focus();
      }
    });
  }

  document.querySelectorAll("textarea[data-character-limit]").forEach(attach);
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("textarea[data-character-limit]")) {
      guard(form);
    }
  });
})();
