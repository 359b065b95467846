-- Shared by the wrk scripts of the load harness: per-thread status counts, reading
-- the lists written by `entraide dataset --export`, and one JSON summary line at the end
-- (parsed by run.sh). Loaded with dofile() from each script.

local threads = {}

function setup(thread)
   thread:set("thread_id", #threads + 1)
   table.insert(threads, thread)
end

statuses = {}

function count_status(status)
   statuses[status] = (statuses[status] or 0) + 1
end

function response(status, headers, body)
   count_status(status)
end

function read_lines(path)
   local lines = {}
   local file = io.open(path, "r")
   if file == nil then
      error("cannot read " .. tostring(path))
   end
   for line in file:lines() do
      if line ~= "" then
         table.insert(lines, line)
      end
   end
   file:close()
   return lines
end

function done(summary, latency, requests)
   local merged = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses") or {}
      for status, n in pairs(counts) do
         merged[status] = (merged[status] or 0) + n
      end
   end
   local non2xx = 0
   local parts = {}
   for status, n in pairs(merged) do
      if status < 200 or status > 299 then
         non2xx = non2xx + n
      end
      table.insert(parts, string.format('"%d":%d', status, n))
   end
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      'LOAD_SUMMARY {"label":"%s","duration_s":%.3f,"requests":%d,"rps":%.1f,' ..
      '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,' ..
      '"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
      '"timeouts":%d,"statuses":{%s}}\n',
      os.getenv("LOAD_LABEL") or "run", seconds, summary.requests, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
      latency.max / 1000, latency.mean / 1000,
      non2xx, e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
end
