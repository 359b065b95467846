-- The soak: a steady mix of staff rankings and public submissions, paced by delay().
-- Environment: as matches.lua and post.lua, plus LOAD_POST_PERCENT (share of
-- submissions, default 10) and LOAD_DELAY_MS (pause of each connection between two
-- requests: the rate is about connections / (delay + latency)).
dofile((os.getenv("LOAD_DIR") or ".") .. "/common.lua")
dofile((os.getenv("LOAD_DIR") or ".") .. "/submit.lua")

local ids
local headers
local post_percent
local pause

function init(args)
   math.randomseed(thread_id * 15485863 + os.time())
   ids = read_lines(os.getenv("LOAD_IDS"))
   headers = { ["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN") }
   post_percent = tonumber(os.getenv("LOAD_POST_PERCENT") or "10")
   pause = tonumber(os.getenv("LOAD_DELAY_MS") or "10")
   submit_init()
end

function delay()
   return pause
end

function request()
   if math.random(100) <= post_percent then
      return submit_request()
   end
   local id = ids[math.random(#ids)]
   return wrk.format("GET", "/api/v1/requests/" .. id .. "/matches", headers)
end
