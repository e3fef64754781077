-- wrk script for bench/run_api_bench.py: rotates over the request paths given as script
-- arguments and prints one JSON line (prefix "WRK_JSON ") with requests, errors and the
-- latency percentiles in microseconds.
--
--   wrk -t1 -c20 -d20s --timeout 10s -s bench/wrk_api.lua http://127.0.0.1:PORT \
--       -- "<bearer token>" /api/runs/ "/api/runs/?status=succeeded"
--
-- Each connection of a thread takes the next path in turn, so a mixed run spreads its
-- requests evenly over the paths.

local requests = {}
local next_index = 0

function init(args)
  local headers = {
    ["Authorization"] = "Bearer " .. args[1],
    ["Accept"] = "application/json",
  }
  for i = 2, #args do
    requests[#requests + 1] = wrk.format("GET", args[i], headers)
  end
  if #requests == 0 then
    error("no request paths given")
  end
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, _requests)
  local e = summary.errors
  local parts = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"bytes": %d', summary.bytes),
    string.format('"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, '
      .. '"p50": %d, "p90": %d, "p95": %d, "p99": %d}',
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99)),
  }
  io.write("WRK_JSON {" .. table.concat(parts, ", ") .. "}\n")
end
