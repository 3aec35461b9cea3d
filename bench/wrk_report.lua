-- wrk script of make bench: the request comes from the environment, and done() prints one
-- machine-readable line that bench/common.py parses (latencies in microseconds).
--   WRK_METHOD (GET), WRK_BODY (empty), WRK_CONTENT_TYPE (none)
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY") or ""
if body ~= "" then
  wrk.body = body
end
local content_type = os.getenv("WRK_CONTENT_TYPE") or ""
if content_type ~= "" then
  wrk.headers["Content-Type"] = content_type
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_REPORT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
