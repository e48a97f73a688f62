-- wrk script of the HTTP benchmarks (benches/http/lib.sh run_wrk): the same request to hallway
-- and to the bare baseline. Environment: METHOD (GET|POST), REQ_PATH, COOKIE (the Cookie
-- header, optional), CSRF (form body csrf=…, POST only). done() prints one RESULT line that the
-- scripts parse; no response() hook, so that Lua does not slow wrk down on the fast baseline.
wrk.method = os.getenv("METHOD") or "GET"
wrk.path = os.getenv("REQ_PATH") or "/"
local cookie = os.getenv("COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
if wrk.method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = "csrf=" .. (os.getenv("CSRF") or "")
end

-- done(): the RESULT line (shared with the other scripts).
dofile("benches/http/wrk_result.lua")
