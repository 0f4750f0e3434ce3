-- Append one event to an execution's Redis Stream with a gapless sequence number.
-- KEYS[1] = stream key, KEYS[2] = sequence counter key
-- ARGV[1] = approximate MAXLEN of the stream, ARGV[2..] = field, value, field, value, ...
-- The entry id is "<seq>-0", so readers can resume from any seq and detect gaps.
-- Shared by the hub (Python) and the hub.ops plugins: one writer protocol for all.
local seq = redis.call('INCR', KEYS[2])
local args = {KEYS[1], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'seq', seq}
for i = 2, #ARGV do
  args[#args + 1] = ARGV[i]
end
redis.call('XADD', unpack(args))
return seq
