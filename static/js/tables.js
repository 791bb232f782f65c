// A table wider than the screen scrolls inside its .table-responsive box. Keyboard users must be
// able to reach that box to scroll it, so while it overflows it is focusable and named.
(function () {
  "use strict";

  function nameFor(box) {
    var caption = box.querySelector("caption");
    if (caption) {
      return caption.textContent;
    }
    var section = box.closest("[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    heading = heading || document.querySelector("main h1");
    return heading ? heading.textContent : "Table";
  }

  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameFor(box).trim() + " (table, scrolls sideways)");
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  update();
  window.addEventListener("resize", update);
})();
