-- wrk script of the HTTP benchmarks (benches/http/lib.sh run_wrk): the same request to hallway
-- and to the bare baseline. Environment: METHOD (GET|POST), REQ_PATH, COOKIE (hallway_session
-- value, optional), CSRF (form body csrf=…, POST only). done() prints one RESULT line that the
-- scripts parse; no response() hook, so that Lua does not slow wrk down on the fast baseline.
wrk.method = os.getenv("METHOD") or "GET"
wrk.path = os.getenv("REQ_PATH") or "/"
local cookie = os.getenv("COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = "hallway_session=" .. cookie
end
if wrk.method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = "csrf=" .. (os.getenv("CSRF") or "")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      .. "status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
