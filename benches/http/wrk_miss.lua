-- wrk script of now_page.sh's uncached pass: GET /?at=… with a new instant on every request
-- (a millisecond apart), so no request can be answered from the page cache and each one renders
-- the page. Environment: COOKIE (the Cookie header), AT0 (Unix seconds to start from).
local cookie = os.getenv("COOKIE") or ""
local t = tonumber(os.getenv("AT0") or "0")
local headers = { ["Cookie"] = cookie }
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

-- done(): the RESULT line (shared with the other scripts).
dofile("benches/http/wrk_result.lua")
