-- wrk script of now_page.sh's uncached pass: GET /?at=… with a new instant on every request
-- (a millisecond apart), so no request can be answered from the page cache and each one renders
-- the page. Environment: COOKIE (hallway_session value), AT0 (Unix seconds to start from).
local cookie = os.getenv("COOKIE") or ""
local t = tonumber(os.getenv("AT0") or "0")
local headers = { ["Cookie"] = "hallway_session=" .. cookie }
local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local n = 0
function request()
  -- Thread i sends instants i, i + 2, i + 4 … milliseconds after AT0: never the same twice.
  local k = 2 * n + (index or 0)
  n = n + 1
  local at = os.date("!%Y-%m-%dT%H:%M:%S", t + math.floor(k / 1000)) .. string.format(".%03dZ", k % 1000)
  return wrk.format("GET", "/?at=" .. at, headers)
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
