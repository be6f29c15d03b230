-- wrk script of bench/run: rotates through the requests in $BENCH_REQUESTS (one per line:
-- path TAB Authorization header value, which may be empty), each thread from its own
-- offset, and prints one JSON summary line prefixed with "BENCH ".
local lines = {}
local counter = 0

local function load(path)
  local out = {}
  for line in io.lines(path) do
    local p, auth = line:match("^([^\t]*)\t?(.*)$")
    out[#out + 1] = { path = p, auth = auth }
  end
  return out
end

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end

function init(args)
  lines = load(os.getenv("BENCH_REQUESTS"))
  i = offset or 0
end

function request()
  i = i + 1
  local r = lines[(i % #lines) + 1]
  local headers = {}
  if r.auth ~= "" then headers["Authorization"] = r.auth end
  return wrk.format("GET", r.path, headers)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests": %d, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status))
end
