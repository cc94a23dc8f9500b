-- wrk script: each thread (run with -t32 -c32, one connection per thread) owns one fact and
-- alternates confirm and undo on it, carrying the version forward, so every request is a
-- real decision (no 409s). FACTS (comma-separated ids) and TOKEN come from the environment.
local ids = {}
for id in string.gmatch(os.getenv("FACTS"), "[^,]+") do ids[#ids + 1] = id end
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("fact", ids[counter])
  table.insert(threads, thread)
end

function init(args)
  version = 1
  action = "confirm"
  conflicts = 0
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  return wrk.format("POST", "/api/facts/" .. fact .. "/" .. action, nil,
                    '{"version":' .. version .. '}')
end

function response(status, headers, body)
  if status == 200 then
    version = version + 1
    if action == "confirm" then action = "undo" else action = "confirm" end
  else
    conflicts = conflicts + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("conflicts") end
  io.write(string.format("decisions/s %.0f, p50 %.2f ms, p99 %.2f ms, non-200: %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
