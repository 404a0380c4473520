-- latency-tail.lua — wrk script: after the run, print the latency tail in more detail than
-- `--latency` does: percentiles up to 99.99 and how many requests took longer than a few
-- thresholds. wrk keeps a histogram with one bucket per microsecond; latency(i) returns the value
-- (us) and count of its i-th non-empty bucket, #latency how many buckets are non-empty.
--   wrk -t1 -c50 -d10s -s bench/latency-tail.lua http://127.0.0.1:18080/
-- Thresholds can be set with the environment variable TAIL_MS (comma-separated ms, default 1,2,3,4,6,10).
done = function(summary, latency, requests)
  local total = summary.requests
  io.write(string.format("tail: requests %d  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  p99.99 %.2f  max %.2f ms\n",
    total, latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency:percentile(99.99) / 1000, latency.max / 1000))
  local spec = os.getenv("TAIL_MS") or "1,2,3,4,6,10"
  local out = {}
  for ms in string.gmatch(spec, "[^,]+") do
    local from = tonumber(ms) * 1000
    local n = 0
    for i = 1, #latency do
      local us, count = latency(i)
      if us > from then n = n + count end
    end
    out[#out + 1] = string.format(">%sms %d (%.2f%%)", ms, n, 100 * n / math.max(total, 1))
  end
  io.write("tail: " .. table.concat(out, "  ") .. "\n")
end
