-- Builders of POST /api/v1/requests bodies, shared by post.lua and soak.lua.
-- A third of the submissions come from establishments already known (their FINESS
-- number is found), the others from new ones; a contact address comes back now and
-- then (the requester account is then reused).

local themes = {
   "teletravail", "si-medico-social", "pca", "telemedecine", "cybersecurite",
   "messagerie-securisee", "infrastructure-reseau", "outils-collaboratifs",
   "achats-materiel", "protection-donnees", "interoperabilite", "ins", "gouvernance-si",
}
local theme_weights = { 40, 8, 10, 16, 5, 4, 5, 6, 3, 1, 1, 1, 1 }
local kinds = { "es", "es", "es", "esms", "esms", "ambulatoire" }
local statuses_legal = { "public", "prive_non_lucratif", "prive_lucratif" }
local urgencies = { "low", "normal", "normal", "normal", "high", "critical" }
local roles = { "directeur", "dsi", "rsi", "autre" }

local known, fresh
local submitted = 0
local run_id
local post_headers = { ["Content-Type"] = "application/json" }

function submit_init()
   known = read_lines(os.getenv("LOAD_FINESS_KNOWN"))
   fresh = read_lines(os.getenv("LOAD_FINESS_NEW"))
   run_id = os.getenv("LOAD_RUN") or tostring(os.time())
end

local function weighted_theme()
   local total = 0
   for _, w in ipairs(theme_weights) do total = total + w end
   local x = math.random(total)
   for i, w in ipairs(theme_weights) do
      if x <= w then return themes[i] end
      x = x - w
   end
   return themes[1]
end

function submit_request()
   submitted = submitted + 1
   local finess
   if math.random(3) == 1 then
      finess = known[math.random(#known)]
   else
      -- Each thread walks its own slice of the unused numbers, so that two threads
      -- rarely create the same establishment at the same moment.
      finess = fresh[((thread_id * 7777 + submitted) % #fresh) + 1]
   end
   local count = math.random(3)
   local chosen, seen = {}, {}
   while #chosen < count do
      local t = weighted_theme()
      if not seen[t] then
         seen[t] = true
         table.insert(chosen, '"' .. t .. '"')
      end
   end
   local contact = submitted
   if math.random(10) == 1 then
      contact = math.random(math.max(1, submitted))
   end
   local body = string.format(
      '{"establishment":{"finess":"%s","name":"Centre hospitalier de charge %s",' ..
      '"kind":"%s","legal_status":"%s"},' ..
      '"contact":{"name":"Claire Lefèvre","email":"contact.%s.%d.%d@charge.example.fr",' ..
      '"phone":"06 %02d %02d %02d %02d","job_role":"%s"},' ..
      '"themes":[%s],' ..
      '"description":"Nous devons équiper nos agents administratifs pour le télétravail ' ..
      'd\'ici lundi : choix des outils, VPN et charte (demande %d).",' ..
      '"urgency":"%s"}',
      finess, finess, kinds[math.random(#kinds)], statuses_legal[math.random(3)],
      run_id, thread_id, contact,
      math.random(0, 99), math.random(0, 99), math.random(0, 99), math.random(0, 99),
      roles[math.random(#roles)], table.concat(chosen, ","), submitted,
      urgencies[math.random(#urgencies)])
   return wrk.format("POST", "/api/v1/requests", post_headers, body)
end
