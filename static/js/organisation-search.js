// Type-to-search for an organisation: <datalist data-search-url="…"> is filled with the names the
// portal finds for what is typed into the input whose list="…" names it. Without this script the
// input is plain text, and the queue matches any organisation whose name contains it.
(function () {
  "use strict";

  var WAIT_MS = 200;

  document.querySelectorAll("datalist[data-search-url]").forEach(function (list) {
    var input = document.querySelector('input[list="' + list.id + '"]');
    if (!input) {
      return;
    }
    var timer = null;
    var asked = "";

    function show(names) {
      list.replaceChildren.apply(
        list,
        names.map(function (name) {
          var option = document.createElement("option");
          option.value = name;
          return option;
        })
      );
    }

    function ask() {
      var text = input.value.trim();
      if (text === asked) {
        return;
      }
      asked = text;
      if (text.length < 2) {
        show([]);
        return;
      }
      var url = list.dataset.searchUrl + "?q=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { names: [] };
        })
        .then(function (data) {
          // An answer to an older question is dropped: the person has typed on.
          if (text === asked) {
            show(data.names || []);
          }
        })
        .catch(function () {
          show([]);
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, WAIT_MS);
    });
  });
})();
