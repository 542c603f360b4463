-- wrk script of the tests' load (test/support/load.ts): counts the responses
-- of each second of the wall clock, and prints them at the end as
-- "second <epoch> <count>" lines, so a stall during a change shows as a
-- second with few or none, where wrk's totals would average it away.
-- Each connection waits PACE_MS after a response before its next request:
-- an unpaced load saturates the lab's emulated director and real servers
-- (about 365 responses a second, each VM at half a host core), which slows
-- the change under test and makes its seconds uneven for reasons of its own.
counts = {}
local pace = tonumber(os.getenv("PACE_MS") or "0")

function delay()
    return pace
end
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function response(status, headers, body)
    local s = os.time()
    counts[s] = (counts[s] or 0) + 1
end

function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
        for s, n in pairs(t:get("counts")) do all[s] = (all[s] or 0) + n end
    end
    local seconds = {}
    for s in pairs(all) do table.insert(seconds, s) end
    table.sort(seconds)
    for _, s in ipairs(seconds) do io.write(string.format("second %d %d\n", s, all[s])) end
end
