-- name-match: take what the log named by param `name` says; undecided when that log is absent,
-- unavailable, or has no vote (not configured, or excluded as compromised).
-- Confidence: the fraction of all logs that hold the same digest as the named log.

return function(votes, params)
  local name = params.name
  if type(name) ~= "string" or name == "" then
    error("param name must be the name of a log", 0)
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
    return nil, string.format("log %q has no vote (not configured, or compromised)", name)
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
  return chosen.digest, same / #votes
end
