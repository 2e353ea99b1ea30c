-- POST the confirmation button for tokens minted by bench/run.py, each once.
local common = dofile(os.getenv("BENCH_LUA") .. "/common.lua")
setup, done = common.setup, common.done
sent, ok, bad, wrapped = 0, 0, 0, 0
local sessions, tokens, nthreads = nil, {}, 1

function init(args)
  sessions = common.sessions()
  for line in io.lines(os.getenv("BENCH_TOKENS")) do table.insert(tokens, line) end
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
end

function request()
  sent = sent + 1
  local i = (sent - 1) * nthreads + tid
  if i > #tokens then wrapped = wrapped + 1; i = (i - 1) % #tokens + 1 end
  local s = sessions[(sent + tid) % #sessions + 1]
  return wrk.format("POST", "/confirm/" .. tokens[i], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = s.cookie, ["X-Forwarded-For"] = common.ip(tid, sent)},
    "csrf_token=" .. s.token)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end
