-- GETs as a browser sends them: accepting a gzip-compressed body (panorama map).
local common = dofile(os.getenv("BENCH_LUA") .. "/common.lua")
wrk.headers["Accept-Encoding"] = "gzip"
setup, done = common.setup, common.done
