-- wrk script: replays a fixed list of requests round-robin, then prints wrk's summary as one JSON line.
--
-- Usage: wrk ... -s bench/lua/replay.lua URL -- REQUESTS_FILE
-- REQUESTS_FILE has one request a line, fields separated by tabs:
--   METHOD <tab> PATH <tab> BODY (may be empty) [<tab> HEADER-NAME <tab> HEADER-VALUE]...
-- Requests are formatted once in init(), so request() costs the load generator almost nothing: it
-- shares two cores with the server under test.

local pool = {}
local count = 0
local next_index = 0

local function split_tabs(line)
  local fields = {}
  local start = 1
  while true do
    local tab = string.find(line, "\t", start, true)
    if not tab then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, tab - 1)
    start = tab + 1
  end
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if line ~= "" then
      local f = split_tabs(line)
      local headers = {}
      for k = 4, #f - 1, 2 do headers[f[k]] = f[k + 1] end
      local body = nil
      if f[3] ~= "" then body = f[3] end
      count = count + 1
      pool[count] = wrk.format(f[1], f[2], headers, body)
    end
  end
  file:close()
  assert(count > 0, "no requests in " .. args[1])
end

function request()
  next_index = next_index % count + 1
  return pool[next_index]
end

-- done() runs in wrk's main Lua state, which never saw init(): it only reads wrk's own counters.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
