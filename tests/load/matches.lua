-- GET /api/v1/requests/{id}/matches over many request ids, as staff.
-- Environment: LOAD_DIR (folder of the harness), LOAD_IDS (request_ids.txt),
-- LOAD_TOKEN (staff bearer token).
dofile((os.getenv("LOAD_DIR") or ".") .. "/common.lua")

local ids
local headers

function init(args)
   math.randomseed(thread_id * 7919 + os.time())
   ids = read_lines(os.getenv("LOAD_IDS"))
   headers = { ["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN") }
end

function request()
   local id = ids[math.random(#ids)]
   return wrk.format("GET", "/api/v1/requests/" .. id .. "/matches", headers)
end
