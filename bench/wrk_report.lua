-- wrk script of bench/pages.py: counts answers other than 200 (or the status given after
-- `--`) as errors (a redirect to the
-- login page is a failed page view, not a fast one) and prints one JSON line at the end.
-- Each wrk thread has its own Lua state: `setup` keeps the threads, `done` adds them up.
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  bad = 0
  expected = tonumber(args[1]) or 200
end

response = function(status, headers, body)
  if status ~= expected then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do
    not_ok = not_ok + thread:get("bad")
  end
  local errors = summary.errors
  local socket = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "p99": %.3f, ' ..
    '"max": %.3f, "errors": %d, "non200": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    socket, not_ok))
end
