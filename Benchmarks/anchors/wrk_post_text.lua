-- wrk script for Benchmarks/anchors/serve_side_by_side.py: POSTs one JSON body per request, rotating
-- through the lines of a file (one complete JSON body per line, written by the Python driver), and at
-- the end prints one line
--   WRK_JSON {"requests":..,"duration_us":..,"rps":..,"latency_us":{"p50":..},"errors":{..},"status":{..}}
-- Non-2xx responses are counted as errors here ("non_2xx"), besides wrk's own socket errors
-- (connect/read/write/timeout). wrk's "status" error only counts codes > 399, so 3xx would slip past it.
--
-- Usage: wrk -t2 -c8 -d30s --latency --timeout 30s -s wrk_post_text.lua http://127.0.0.1:8000/v1/embeddings -- BODIES_FILE
-- Optional environment: WRK_BEARER=KEY adds `Authorization: Bearer KEY`.

local threads = {}
local thread_counter = 0

function setup(thread)
   thread:set("tid", thread_counter)
   thread_counter = thread_counter + 1
   table.insert(threads, thread)
end

local bodies = {}
local pos = 1
local headers = {}
codes = {}            -- status code -> count, in this thread (a global: done() reads it with thread:get)
non_2xx = 0
responses = 0

function init(args)
   local path = args[1]
   if path == nil then
      io.stderr:write("wrk_post_text.lua: give the bodies file after --\n")
      os.exit(2)
   end
   local f, err = io.open(path, "r")
   if f == nil then
      io.stderr:write("wrk_post_text.lua: cannot open " .. tostring(path) .. ": " .. tostring(err) .. "\n")
      os.exit(2)
   end
   for line in f:lines() do
      if #line > 0 then table.insert(bodies, line) end
   end
   f:close()
   if #bodies == 0 then
      io.stderr:write("wrk_post_text.lua: no bodies in " .. path .. "\n")
      os.exit(2)
   end
   -- Threads start at different places in the list, so they do not send the same texts in lockstep.
   local t = tonumber(tid) or 0
   pos = ((t * 997) % #bodies) + 1
   headers["Content-Type"] = "application/json"
   local key = os.getenv("WRK_BEARER")
   if key ~= nil and key ~= "" then headers["Authorization"] = "Bearer " .. key end
end

function request()
   local body = bodies[pos]
   pos = pos + 1
   if pos > #bodies then pos = 1 end
   return wrk.format("POST", wrk.path, headers, body)
end

function response(status, hdrs, body)
   responses = responses + 1
   codes[status] = (codes[status] or 0) + 1
   if status < 200 or status > 299 then
      non_2xx = non_2xx + 1
   end
end

local function json_str(s)
   return '"' .. tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
   local status = {}
   local total_non_2xx = 0
   local total_responses = 0
   for _, thread in ipairs(threads) do
      total_non_2xx = total_non_2xx + (tonumber(thread:get("non_2xx")) or 0)
      total_responses = total_responses + (tonumber(thread:get("responses")) or 0)
      for c, n in pairs(thread:get("codes") or {}) do
         status[tostring(c)] = (status[tostring(c)] or 0) + n
      end
   end
   local st = {}
   for c, n in pairs(status) do table.insert(st, json_str(c) .. ":" .. tostring(n)) end
   local e = summary.errors
   local socket = e.connect + e.read + e.write + e.timeout
   local dur = summary.duration
   local out = string.format(
      '{"requests":%d,"responses_seen":%d,"duration_us":%d,"rps":%.3f,"bytes":%d,' ..
      '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d},' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status_gt_399":%d,"socket":%d,"non_2xx":%d,"total":%d},' ..
      '"status":{%s}}',
      summary.requests, total_responses, dur, summary.requests / (dur / 1e6), summary.bytes,
      latency.min, latency.mean, latency.max, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
      e.connect, e.read, e.write, e.timeout, e.status, socket, total_non_2xx, socket + total_non_2xx,
      table.concat(st, ","))
   io.write("WRK_JSON " .. out .. "\n")
end
