-- POST /api/v1/requests: public submissions of help requests (each with its
-- acknowledgement e-mail in the outbox). Environment: LOAD_DIR, LOAD_FINESS_KNOWN,
-- LOAD_FINESS_NEW (from `entraide dataset --export`), LOAD_RUN (makes addresses unique).
dofile((os.getenv("LOAD_DIR") or ".") .. "/common.lua")
dofile((os.getenv("LOAD_DIR") or ".") .. "/submit.lua")

function init(args)
   math.randomseed(thread_id * 104729 + os.time())
   submit_init()
end

function request()
   return submit_request()
end
