-- Shared by the wrk scripts of bench/hotpath: prints the latency percentiles the report needs.
function done(summary, latency, requests)
  io.write(string.format("PERCENTILES p50=%.3f p99=%.3f p999=%.3f errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
