// The lifecycle's Redis scripts. Each one reads the state it changes, refuses with {0, state}
// when its transition is not allowed from there (ARGV[1] lists the allowed states as |a|b|,
// from TRANSITIONS), and otherwise makes the whole change, trace entry included, at once.

const STATES = `
local function message_state(msg, pending)
  if redis.call('EXISTS', msg) == 0 then return 'gone' end
  if redis.call('EXISTS', pending) == 1 then return 'routed' end
  return 'accepted'
end
-- An undelivered delivery's state from its record: its result, and whether it has one.
local function record_state(result, exists)
  if result == 'failed' or result == 'partial' or result == 'expired' then return 'dead' end
  if exists then return 'delivering' end
  return 'queued'
end
-- A record always has one of these fields (attempts from begin, lastAttemptAt and result from
-- every attempt written, attempts = 0 from a retry): one HMGET tells its state.
local function delivery_state(ledger, record)
  if redis.call('EXISTS', ledger) == 1 then return 'delivered' end
  local fields = redis.call('HMGET', record, 'result', 'attempts', 'lastAttemptAt')
  return record_state(fields[1], fields[1] or fields[2] or fields[3])
end
-- Writes a delivery's record. A record gets its expiry when a step makes it (the state was
-- 'queued': begin's first attempt, or a 250 after the record went during the attempt) and
-- keeps it after; only a dead letter sets another (keep_for).
local function write_record(record, state, ttl, ...)
  redis.call('HSET', record, ...)
  if state == 'queued' then redis.call('PEXPIRE', record, ttl) end
end
local function allowed(from, state)
  return string.find(from, '|' .. state .. '|', 1, true) ~= nil
end
-- A trace's lifetime starts with its first event; the routine steps after it (routed,
-- delivered) leave it running, every other step (a dead letter, a fold, an operator's command) renews it.
local function append_trace(trace, event, ttl, renew)
  if event == '' then return end
  if redis.call('RPUSH', trace, event) == 1 or renew then redis.call('PEXPIRE', trace, ttl) end
end
-- Counts one delivery of a message as finished, once per delivery id however often it runs,
-- and deletes the message (and its bookkeeping) with the last one.
local function finish_once(msg, pending, finished, delivery_id, ttl)
  if redis.call('SADD', finished, delivery_id) == 0 then
    return tonumber(redis.call('GET', pending) or '0'), 0
  end
  local left = redis.call('DECR', pending)
  -- The last delivery deletes the set it was just added to: no expiry to set on it then.
  if left <= 0 then redis.call('DEL', msg, pending, finished) else redis.call('PEXPIRE', finished, ttl) end
  return left, 1
end
`;

function script(body: string): string {
  return `${STATES}\n${body}`;
}

/** KEYS: msg, pending. */
export const WITHDRAW = script(`
local state = message_state(KEYS[1], KEYS[2])
if not allowed(ARGV[1], state) then return {0, state} end
redis.call('DEL', KEYS[1], KEYS[2])
return {1, state}`);

/** KEYS: msg, pending, trace; ARGV: allowed, count, ttl, trace event ('' for none), trace ttl. */
export const ROUTE = script(`
local state = message_state(KEYS[1], KEYS[2])
if not allowed(ARGV[1], state) then return {0, state} end
local outcome = 'rerouted'
if state == 'accepted' and tonumber(ARGV[2]) == 0 then
  redis.call('DEL', KEYS[1])
  outcome = 'dropped'
elseif state == 'accepted' then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
  outcome = 'routed'
end
append_trace(KEYS[3], ARGV[4], ARGV[5])
return {1, outcome}`);

/**
 * A notification: stored routed, with its count, at once. Its marker outlives it, so a re-run
 * of the flush that made it finds it made (and the state it is in) instead of making it again.
 * KEYS: msg, pending, trace, marker; ARGV: allowed, raw, count, ttl, trace event, trace ttl.
 */
export const CREATE = script(`
local state = message_state(KEYS[1], KEYS[2])
if redis.call('EXISTS', KEYS[4]) == 1 or not allowed(ARGV[1], state) then return {0, state} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
append_trace(KEYS[3], ARGV[5], ARGV[6])
return {1, state}`);

/**
 * Before an attempt: the attempt counted (the lifetime clock started if it is not running),
 * the record read back, and the stored message (binary). A delivery the ledger has is counted
 * as finished instead and not attempted.
 * KEYS: ledger, record, msg, pending, finished; ARGV: allowed, delivery id, now, ttl.
 */
export const BEGIN = script(`
local state, record, fields = 'delivered', {}, {}
if redis.call('EXISTS', KEYS[1]) == 0 then
  record = redis.call('HGETALL', KEYS[2])
  for i = 1, #record, 2 do fields[record[i]] = record[i + 1] end
  state = record_state(fields.result, #record > 0)
end
if not allowed(ARGV[1], state) then return {0, state} end
if state == 'delivered' then
  local left, counted = finish_once(KEYS[3], KEYS[4], KEYS[5], ARGV[2], ARGV[4])
  return {2, left, counted}
end
local attempts, first = (tonumber(fields.attempts) or 0) + 1, fields.firstAttemptAt or ARGV[3]
write_record(KEYS[2], state, ARGV[4], 'attempts', attempts, 'firstAttemptAt', first)
-- The record as it is now: the later of two equal fields wins where it is read.
table.insert(record, 'attempts'); table.insert(record, tostring(attempts))
table.insert(record, 'firstAttemptAt'); table.insert(record, first)
return {1, record, redis.call('GET', KEYS[3])}`);

/** KEYS: ledger, record; ARGV: allowed, ttl, record fields… */
export const DEFER = script(`
local state = delivery_state(KEYS[1], KEYS[2])
if not allowed(ARGV[1], state) then return {0, state} end
write_record(KEYS[2], state, ARGV[2], unpack(ARGV, 3))
return {1, state}`);

/**
 * After an upstream's 250: the ledger entry (so the delivery is never sent again), the
 * attempt record, the trace event, and then the finished count.
 * KEYS: msg, pending, finished, ledger, record, trace;
 * ARGV: allowed, delivery id, ttl, reply, trace event, trace ttl, record fields…
 */
export const DELIVER = script(`
local state = delivery_state(KEYS[4], KEYS[5])
if not allowed(ARGV[1], state) then return {0, state} end
redis.call('SET', KEYS[4], ARGV[4], 'PX', ARGV[3])
write_record(KEYS[5], state, ARGV[3], unpack(ARGV, 7))
append_trace(KEYS[6], ARGV[5], ARGV[6])
local left, counted = finish_once(KEYS[1], KEYS[2], KEYS[3], ARGV[2], ARGV[3])
return {1, left, counted}`);

/**
 * A dead letter: the attempt recorded, and the record and the message kept for keep_for.
 * KEYS: msg, pending, ledger, record, trace; ARGV: allowed, keep for, trace event, trace ttl, record fields…
 */
export const DEAD_LETTER = script(`
local state = delivery_state(KEYS[3], KEYS[4])
if not allowed(ARGV[1], state) then return {0, state} end
redis.call('HSET', KEYS[4], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[4], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
append_trace(KEYS[5], ARGV[3], ARGV[4], 'renew')
return {1, state}`);

/**
 * \`queue retry\`: a full schedule again (the delays are chosen by the attempt count), and
 * the recipients not accepted open again. KEYS: ledger, record, trace; ARGV: allowed, trace event, trace ttl.
 */
export const RETRY = script(`
local state = delivery_state(KEYS[1], KEYS[2])
if not allowed(ARGV[1], state) then return {0, state} end
if state ~= 'queued' then
  local fields = redis.call('HGETALL', KEYS[2])
  local reopen = {'firstAttemptAt', 'result'}
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 5) == 'rcpt:' and cjson.decode(fields[i + 1]).status ~= 'accepted' then
      table.insert(reopen, fields[i])
    end
  end
  redis.call('HDEL', KEYS[2], unpack(reopen))
  redis.call('HSET', KEYS[2], 'attempts', 0)
end
append_trace(KEYS[3], ARGV[2], ARGV[3], 'renew')
return {1, state}`);

/**
 * \`queue delete\`: the record goes and the delivery counts as finished.
 * KEYS: msg, pending, finished, ledger, record, trace; ARGV: allowed, delivery id, ttl, trace event, trace ttl.
 */
export const DELETE = script(`
local state = delivery_state(KEYS[4], KEYS[5])
if not allowed(ARGV[1], state) then return {0, state} end
redis.call('DEL', KEYS[5])
append_trace(KEYS[6], ARGV[4], ARGV[5], 'renew')
local left, counted = finish_once(KEYS[1], KEYS[2], KEYS[3], ARGV[2], ARGV[3])
return {1, left, counted}`);

/**
 * \`queue replay\`: the dead deliveries' records, the finished set and the count go, so the
 * router counts the message afresh. KEYS: msg, pending, finished, trace, dead records…;
 * ARGV: allowed, trace event, trace ttl.
 */
export const REPLAY = script(`
local state = message_state(KEYS[1], KEYS[2])
if not allowed(ARGV[1], state) then return {0, state} end
for i = 5, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('DEL', KEYS[3], KEYS[2])
append_trace(KEYS[4], ARGV[2], ARGV[3], 'renew')
return {1, state}`);
