// Submits a join form marked data-auto-retry="SECONDS" by itself after that many seconds, so
// a visitor whose meeting is still being created gets in without pressing anything. Without
// JavaScript the button does the same.
document.querySelectorAll("form[data-auto-retry]").forEach(function (form) {
  var secs = parseInt(form.getAttribute("data-auto-retry"), 10) || 3;
  setTimeout(function () { form.submit(); }, secs * 1000);
});
