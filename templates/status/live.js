// Live refresh of the staff dashboard: the server sends an event for every new poll snapshot;
// the page then fetches itself again and swaps in the fresh dashboard. Without JavaScript (or
// EventSource) nothing happens and a reload shows the same data.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;
  var busy = false;
  var source = new EventSource("/admin/status/events");
  source.addEventListener("snapshot", function () {
    if (busy) return;
    // Do not replace the page under someone filling in a form.
    if (document.activeElement && document.activeElement.form) return;
    busy = true;
    fetch(location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("dashboard");
        var old = document.getElementById("dashboard");
        if (fresh && old) old.replaceWith(fresh);
      })
      .catch(function () {})
      .then(function () { busy = false; });
  });
})();
