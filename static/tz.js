// hallway: remember the browser's time zone so the server can show local times.
// Without JavaScript, the zone selector (/timezone) and ?tz= links do the same.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  var m = document.cookie.match(/(?:^|; )hallway_tz=([^;]*)/);
  if (m) { return; } // a zone is already chosen (by this script or by the visitor): keep it
  document.cookie = "hallway_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
  var known = document.body && document.body.getAttribute("data-zone-known") === "true";
  var stored = /(?:^|; )hallway_tz=/.test(document.cookie);
  if (!known && stored && !/[?&]tz=/.test(location.search)) {
    location.reload();
  }
})();
