-- wrk script for scripts/bench-webhook.sh: posts the AdmissionReviews of BENCH_REVIEWS (one per
-- line) in turn; BENCH_DELAY_MS paces each connection (0: as fast as possible).
local bodies = {}
local index = 0
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function init(args)
  for line in io.lines(os.getenv("BENCH_REVIEWS")) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  index = math.random(#bodies)
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", "/validate/pods", { ["Content-Type"] = "application/json" }, bodies[index])
end

function delay()
  return pause
end

-- No response() callback: wrk counts non-2xx answers itself ("Non-2xx or 3xx responses", which
-- bench-webhook.sh reads), and with a callback it copies every response body into Lua, client
-- CPU on the same machine that grows with the size of the answer and would be charged to the
-- server that gives the fuller one.
