// Live events of a room for open pages (GET /rooms/{slug}/events, server-sent events).
// The lobby (article.lobby) submits its join form when its meeting has started, so the POST
// keeps its CSRF token; room and session pages (div.room-watch) show "the room moved, rejoin
// here" when the room was re-placed. Without JavaScript the lobby refreshes every 15 s.
(function () {
  var lobby = document.querySelector("article.lobby[data-events]");
  var watch = document.querySelector("div.room-watch[data-events]");
  var box = lobby || watch;
  if (!box || !window.EventSource) { return; }
  var source = new EventSource(box.getAttribute("data-events"));
  var gone = false;
  source.addEventListener("started", function (e) {
    if (!lobby || gone || e.data !== lobby.getAttribute("data-meeting")) { return; }
    gone = true;
    source.close();
    var form = lobby.querySelector("form.lobby-join");
    var state = lobby.querySelector(".state");
    if (state) { state.textContent = "The moderator is in: joining…"; }
    form.submit();
  });
  source.addEventListener("moved", function () {
    if (lobby) {
      // Waiting still: the next join goes to the new server anyway; look again.
      window.location.reload();
      return;
    }
    var notice = watch.querySelector(".moved-notice");
    if (notice) { notice.hidden = false; }
  });
})();
