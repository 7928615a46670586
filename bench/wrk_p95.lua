-- wrk's --latency shows the 50th, 75th, 90th and 99th percentiles; issue #11 asks for the 95th.
-- With WRK_PATHS (addresses separated by spaces) the requests go to them in turn instead of to
-- the one address given: pages of many requests, each kept or drawn on its own.
local paths = {}
for path in string.gmatch(os.getenv("WRK_PATHS") or "", "%S+") do
  paths[#paths + 1] = path
end
if #paths > 0 then
  local turn = 0
  request = function()
    turn = turn % #paths + 1
    return wrk.format(nil, paths[turn])
  end
end

done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\n", latency:percentile(95)))
end
