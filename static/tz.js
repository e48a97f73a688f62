// hallway: the only scripts, and pages work without them. They
//  1. remember the browser's time zone so the server can show local times (the zone
//     selector at /timezone and ?tz= links do the same without JavaScript);
//  2. replace a stored zone the server rejected with the detected one;
//  3. add type-to-filter to the zone selector;
//  4. refresh the now page every minute while it shows the present.
(function () {
  "use strict";
  var body = document.body;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  var has = /(?:^|; )hallway_tz=/.test(document.cookie);
  var rejected = body && body.getAttribute("data-zone-rejected") === "cookie";
  if (zone && (!has || rejected)) {
    document.cookie = "hallway_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    var known = body && body.getAttribute("data-zone-known") === "true";
    var stored = /(?:^|; )hallway_tz=/.test(document.cookie);
    if ((!known || rejected) && stored && !/[?&]tz=/.test(location.search)) {
      location.reload();
      return;
    }
  }

  function ready(f) {
    if (document.readyState !== "loading") { f(); } else { document.addEventListener("DOMContentLoaded", f); }
  }

  ready(function () {
    var select = document.getElementById("tz");
    if (select && select.form && select.form.classList.contains("tz-form")) {
      var input = document.createElement("input");
      input.type = "search";
      input.className = "filter";
      input.id = "tz-filter";
      input.placeholder = "Type to filter, e.g. Berlin or +05:30";
      input.setAttribute("aria-label", "Filter time zones");
      input.setAttribute("aria-controls", "tz");
      select.parentNode.insertBefore(input, select);
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase().replace(/ /g, "_");
        var first = null;
        Array.prototype.forEach.call(select.querySelectorAll("option"), function (o) {
          var hit = !q || o.textContent.toLowerCase().replace(/ /g, "_").indexOf(q) >= 0;
          o.hidden = !hit;
          o.disabled = !hit;
          if (hit && !first) { first = o; }
        });
        Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
          g.hidden = !g.querySelector("option:not([hidden])");
        });
        if (first && q) { first.selected = true; }
      });
    }
    var live = document.querySelector("[data-refresh]");
    var secs = live ? parseInt(live.getAttribute("data-refresh"), 10) : 0;
    if (secs > 0) {
      setInterval(function () {
        var typing = document.activeElement && /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
        if (document.visibilityState === "visible" && !typing) { location.reload(); }
      }, secs * 1000);
    }
  });
})();
