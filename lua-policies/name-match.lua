-- name-match: take what the log named by param `name` says, if at least `min_agreeing` logs
-- (default 1, the named log included) hold the same digest; undecided when that log is absent,
-- unavailable, compromised, or not configured.
-- Confidence: the fraction of all logs that hold the same digest as the named log.

return function(votes, params)
  local name, min_agreeing = params.name, params.min_agreeing or 1
  if type(name) ~= "string" or name == "" then
    error("param name must be the name of a log", 0)
  end
  if math.type(min_agreeing) ~= "integer" or min_agreeing < 1 then
    error("param min_agreeing must be a whole number of logs, at least 1", 0)
  end

  local chosen
  -- Numeric loops: under fengari, each step of ipairs is a call into JavaScript (~20% of a run).
  for i = 1, #votes do
    local vote = votes[i]
    if vote.name == name then
      chosen = vote
      break
    end
  end
  if chosen == nil then
    return nil, string.format("log %q has no vote (not configured)", name)
  end
  if chosen.status ~= "agrees" then
    return nil, string.format("log %q is %s", name, chosen.status)
  end

  local same = 0
  for i = 1, #votes do
    local vote = votes[i]
    if vote.digest == chosen.digest then
      same = same + 1
    end
  end
  if same < min_agreeing then
    return nil, string.format("%d of %d logs agree with log %q, fewer than min_agreeing %d",
      same, #votes, name, min_agreeing)
  end
  return chosen.digest, same / #votes
end
