-- submit.lua: wrk script that POSTs a DIFFERENT paper to /api/v1/summaries
-- on every request, so that no request is answered by the result cache.
--
--   PAPERSUM_KEY=psk_... wrk -t2 -c20 -d20s -s submit.lua \
--       'http://127.0.0.1:18080/api/v1/summaries?wait=30s' -- paper.txt
--
-- The body is {"text": <paper.txt> + "Load test NONCE, thread T,
-- submission N.">}: NONCE comes from $LOADTEST_NONCE (default: the time),
-- so that runs of the script against one server do not repeat each other.
-- With $LOADTEST_MAX set, each thread stops after that many responses
-- (used to queue a fixed number of jobs). done() prints one WRK_RESULT
-- line that run.sh parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function json_string(s)
  return (s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    if c == '\n' then return '\\n' end
    if c == '\r' then return '\\r' end
    if c == '\t' then return '\\t' end
    return string.format('\\u%04x', c:byte())
  end))
end

function init(args)
  local f = assert(io.open(assert(args[1], "usage: -- PAPER_FILE"), "rb"))
  text = json_string(f:read("*a"))
  f:close()
  nonce = os.getenv("LOADTEST_NONCE") or tostring(os.time())
  sent = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("PAPERSUM_KEY"), "PAPERSUM_KEY is not set")
end

function request()
  sent = sent + 1
  local body = '{"text":"' .. text .. '\\n\\nLoad test ' .. nonce .. ', thread ' .. tid ..
    ', submission ' .. sent .. '."}'
  return wrk.format(nil, nil, nil, body)
end

-- response is defined only with a limit: without it wrk does not hand
-- responses to Lua at all, which keeps the load generator's own cost down.
local max = tonumber(os.getenv("LOADTEST_MAX") or "")
if max then
  local got = 0
  function response(status, headers, body)
    got = got + 1
    if got >= max then wrk.thread:stop() end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "WRK_RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d sockerr=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
