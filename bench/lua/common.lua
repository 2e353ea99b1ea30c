-- Shared by every scenario: thread ids, counters, and one JSON line at the end.
local M = {}
M.threads = {}

function M.setup(thread)
  table.insert(M.threads, thread)
  thread:set("tid", #M.threads)
end

function M.done(summary, latency, requests)
  local sent, ok, bad, wrapped = 0, 0, 0, 0
  for _, t in ipairs(M.threads) do
    sent = sent + (t:get("sent") or 0)
    ok = ok + (t:get("ok") or 0)
    bad = bad + (t:get("bad") or 0)
    wrapped = wrapped + (t:get("wrapped") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"sent":%d,"ok":%d,"bad":%d,"wrapped":%d,"errors":%d,"status_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), sent, ok, bad, wrapped,
    e.connect + e.read + e.write + e.timeout, e.status))
end

-- Lines of "cookie<TAB>csrf token" fetched by bench/run.py (one GET per client).
function M.sessions()
  local list = {}
  for line in io.lines(os.getenv("BENCH_SESSIONS")) do
    local cookie, token = line:match("^([^\t]+)\t([^\t]+)$")
    if cookie then table.insert(list, {cookie = cookie, token = token}) end
  end
  return list
end

function M.ip(tid, n)
  return string.format("10.%d.%d.%d", tid % 256, math.floor(n / 256) % 256, n % 256)
end

return M
