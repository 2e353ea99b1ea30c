-- Plain GETs of the URL on the command line (count endpoint, constant JSON).
local common = dofile(os.getenv("BENCH_LUA") .. "/common.lua")
setup, done = common.setup, common.done
