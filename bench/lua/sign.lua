-- POST the sign form: a session's CSRF token and cookie, a unique email each time.
local common = dofile(os.getenv("BENCH_LUA") .. "/common.lua")
setup, done = common.setup, common.done
sent, ok, bad = 0, 0, 0
local sessions, path, prefix

function init(args)
  sessions = common.sessions()
  path = "/p/" .. os.getenv("BENCH_SLUG")
  prefix = os.getenv("BENCH_PREFIX")
end

function request()
  sent = sent + 1
  local s = sessions[(sent + tid) % #sessions + 1]
  local body = "csrf_token=" .. s.token ..
    "&first_name=Jean&last_name=Dupont&postal_code=42000&category=developer&consent=y" ..
    string.format("&email=%s-%d-%d%%40gmail.com", prefix, tid, sent)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = s.cookie, ["X-Forwarded-For"] = common.ip(tid, sent)}, body)
end

function response(status, headers, body)
  if status == 302 then ok = ok + 1 else bad = bad + 1 end
end
