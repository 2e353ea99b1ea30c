-- GETs of the count endpoint, each for a made-up slug never asked before (the
-- memory row: every one misses every cache and answers 404).
local common = dofile(os.getenv("BENCH_LUA") .. "/common.lua")
setup, done = common.setup, common.done
sent = 0

function init(args)
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  sent = sent + 1
  local path = string.format("/api/v1/petitions/x-%d-%d-%d/count", tid, sent, math.random(1e9))
  return wrk.format("GET", path)
end
