-- The baseline of sign and confirm: POST one unique email to the bare INSERT endpoint.
local common = dofile(os.getenv("BENCH_LUA") .. "/common.lua")
setup, done = common.setup, common.done
sent, ok, bad = 0, 0, 0
local prefix

function init(args)
  prefix = os.getenv("BENCH_PREFIX")
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/insert", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = common.ip(tid, sent)},
    string.format("email=%s-%d-%d%%40gmail.com", prefix, tid, sent))
end

function response(status, headers, body)
  if status == 204 then ok = ok + 1 else bad = bad + 1 end
end
