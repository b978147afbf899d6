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

local failures = 0
function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
