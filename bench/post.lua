-- bench/post.lua: wrk script that POSTs pre-signed Customer.io webhook events.
--
--   wrk ... -s bench/post.lua URL -- EVENTS_FILE PATH START NTHREADS GO_FILE
--
-- EVENTS_FILE  lines "X-CIO-Timestamp<TAB>X-CIO-Signature<TAB>body" (bench/gen_events.py)
-- PATH         request target, e.g. /collection/INLET?x-adobe-flow-id=FLOW
-- START        first event (0-based line) this run may use; events before it were used by
--              an earlier run against the same server (the warm-up)
-- NTHREADS     the -t value given to wrk (wrk does not tell the script)
-- GO_FILE      a path that must not exist yet: the start barrier (below) creates it
--
-- Events [START, N) are dealt out round-robin: thread t (0-based) gets events START + t,
-- START + t + NTHREADS, ... and posts them in that order, so threads never share an event and
-- the events a run used all lie below the "next" index that done() reports (the START of the
-- next run against the same server, e.g. the timed run after the warm-up). A thread that
-- exhausts its share starts it again ("wraps"): those requests repeat events, and done()
-- reports it. Each thread pre-formats its requests in init(), so request() only hands out a
-- ready string.
--
-- Start barrier: wrk runs init() for thread i and then starts that thread, one thread after
-- the other, but starts its clock only after the last one. Thread 0 would otherwise post for
-- as long as the other threads spend loading their events, with none of that time counted.
-- So the last thread's init() creates GO_FILE, and each thread's first request() blocks until
-- it exists (that delays neither the clock nor any latency sample: wrk stamps a request after
-- request() returns).
--
-- done() prints a human summary and one machine-readable line starting with "BENCH " that
-- bench/run.sh parses.

local threads = {}   -- main state: every thread, for done()
local nthreads_seen = 0

function setup(thread)
  thread:set("tid", nthreads_seen)
  nthreads_seen = nthreads_seen + 1
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state; done() reads these by name).
reqs = {}            -- pre-formatted requests of this thread's share
nreqs = 0
pos = 1              -- next request to hand out
sent = 0             -- requests handed to wrk (written, or being written, to a socket)
wraps = 0            -- times the share was exhausted and restarted
ok = 0               -- 2xx responses
non2xx = 0           -- other responses
first_error = ""     -- status and body of the first non-2xx response, for diagnosis
nevents = 0          -- lines in the events file
first_index = 0      -- event index of reqs[1]; reqs[k] is first_index + (k - 1) * stride
stride = 1
go_file = nil
go = false           -- true once the start barrier has been passed

-- sleep_ms(ms) and is_verify_call(): see request(). With LuaJIT's FFI (Debian's wrk links
-- LuaJIT) they use usleep(3) and pthread_self(3); without it, a busy wait and wrk 4's call
-- order (the verify call is the first request() call in thread 0's state).
local sleep_ms, is_verify_call
init_thread = nil    -- pthread_self() of the OS thread that ran init(): wrk's main thread
do
  local okffi, ffi = pcall(require, "ffi")
  if okffi then
    ffi.cdef("int usleep(unsigned int usec); unsigned long pthread_self(void);")
    local function self() return tostring(ffi.C.pthread_self()) end
    sleep_ms = function(ms) ffi.C.usleep(ms * 1000) end
    is_verify_call = function()
      init_thread = init_thread or self()        -- first call: from init()
      return self() == init_thread
    end
  else
    sleep_ms = function(ms) local t = os.clock() + ms / 1000; while os.clock() < t do end end
    local calls = 0
    is_verify_call = function()
      calls = calls + 1                          -- call 1 is from init(), call 2 is wrk's check
      return tid == 0 and calls == 2
    end
  end
end

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

function init(args)
  local file, path = args[1], args[2]
  local start, nthreads = tonumber(args[3] or "0"), tonumber(args[4] or "1")
  go_file = args[5]
  is_verify_call()                       -- note which OS thread runs init()
  assert(file and path and go_file,
         "usage: -s post.lua URL -- EVENTS_FILE PATH START NTHREADS GO_FILE")

  for _ in io.lines(file) do nevents = nevents + 1 end
  if start + nthreads > nevents then
    -- Not even one fresh event per thread left: reuse the whole file (reported as a wrap).
    io.stderr:write(string.format("post.lua: only %d of %d events left after %d; reusing events\n",
                                  math.max(nevents - start, 0), nevents, start))
    start = 0
    wraps = 1
  end
  first_index, stride = start + tid, nthreads

  local headers = {["Content-Type"] = "application/json"}
  local i = 0
  for line in io.lines(file) do
    if i >= first_index and (i - first_index) % stride == 0 then
      local ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      assert(body, "malformed line " .. i .. " in " .. file)
      headers["X-CIO-Timestamp"] = ts
      headers["X-CIO-Signature"] = sig
      nreqs = nreqs + 1
      reqs[nreqs] = wrk.format("POST", path, headers, body)
    end
    i = i + 1
  end

  if tid == nthreads - 1 then            -- the last thread to be set up opens the barrier
    local f = assert(io.open(go_file, "w"))
    f:close()
  end
end

local function wait_for_go()
  for _ = 1, 120000 do                   -- at most about two minutes
    if exists(go_file) then return end
    sleep_ms(1)
  end
  error("post.lua: start barrier " .. go_file .. " never appeared (NTHREADS wrong?)")
end

function request()
  if not go then
    -- wrk calls request() once from its main thread, right after thread 0's init(), to check
    -- the request parses; hand it a request without consuming one or waiting.
    if is_verify_call() then return reqs[1] end
    wait_for_go()
    go = true
  end
  if pos > nreqs then
    pos = 1
    wraps = wraps + 1
  end
  local r = reqs[pos]
  pos = pos + 1
  sent = sent + 1
  return r
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    if non2xx == 0 then first_error = status .. " " .. tostring(body):sub(1, 300) end
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local tsent, tok, tbad, twraps, first, nextidx, shares = 0, 0, 0, 0, "", 0, {}
  for _, t in ipairs(threads) do
    local tsent_t, n, w = t:get("sent"), t:get("nreqs"), t:get("wraps")
    tsent = tsent + tsent_t
    tok = tok + t:get("ok")
    tbad = tbad + t:get("non2xx")
    twraps = twraps + w
    if first == "" then first = t:get("first_error") end
    -- First event index after everything this thread used.
    local used = math.min(tsent_t, n)
    local after = t:get("first_index") + (used - 1) * t:get("stride") + 1
    if w > 0 then after = t:get("nevents") end
    if used > 0 and after > nextidx then nextidx = after end
    table.insert(shares, string.format("t%d %d of %d", t:get("tid"), used, n))
  end
  local e = summary.errors
  local sockerr = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  local rps = summary.requests / secs

  io.write(string.format("post.lua: fresh events used per thread: %s\n", table.concat(shares, ", ")))
  io.write(string.format("post.lua: %d responses in %.2fs (%.0f/s), %d requests sent, %d 2xx, "
                         .. "%d non-2xx, %d socket errors (connect %d, read %d, write %d, timeout %d)\n",
                         summary.requests, secs, rps, tsent, tok, tbad, sockerr,
                         e.connect, e.read, e.write, e.timeout))
  if twraps > 0 then
    io.write(string.format("post.lua: WRAPPED: threads ran out of fresh events %d time(s); "
                           .. "some events were posted more than once (raise BENCH_EVENTS)\n", twraps))
  end
  if tbad > 0 then io.write("post.lua: first non-2xx response: " .. first .. "\n") end
  io.write(string.format("BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d "
                         .. "sent=%d ok=%d non2xx=%d socket_errors=%d wraps=%d next=%d\n",
                         summary.requests, summary.duration, rps,
                         latency:percentile(50), latency:percentile(99),
                         tsent, tok, tbad, sockerr, twraps, nextidx))
end
