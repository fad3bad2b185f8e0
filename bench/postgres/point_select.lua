-- wrk: the same point select as point_select.sql, through weir's query endpoint.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time())
request = function()
  local aid = math.random(1, 1000000)
  return wrk.format(nil, nil, nil,
    '{"query":"SELECT abalance FROM pgbench_accounts WHERE aid = $1","params":[' .. aid .. ']}')
end
done = function(summary, latency, requests)
  io.write(string.format("%.0f %.2f %.2f\n", summary.requests / (summary.duration / 1e6),
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
