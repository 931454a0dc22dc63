-- percentage: the digest held by the most logs wins if those logs are at least `threshold`
-- percent (0..100) of ALL logs and at least `min_agreeing` logs (default 1). Absent, unavailable
-- and compromised logs count in the denominator, so one answering log out of three is 33%, never
-- 100%, and a log proven to misbehave cannot shrink the quorum. A tie for the most is undecided.
-- Confidence: the fraction of all logs that hold the winning digest.

return function(votes, params)
  local threshold, min_agreeing = params.threshold, params.min_agreeing or 1
  if type(threshold) ~= "number" or threshold < 0 or threshold > 100 then
    error("param threshold must be a number of percent from 0 to 100", 0)
  end
  if math.type(min_agreeing) ~= "integer" or min_agreeing < 1 then
    error("param min_agreeing must be a whole number of logs, at least 1", 0)
  end
  local total = #votes
  if total == 0 then
    return nil, "no logs voted"
  end

  local counts, digests = {}, {}
  -- Numeric loops: under fengari, each step of ipairs is a call into JavaScript (~20% of a run).
  for i = 1, total do
    local vote = votes[i]
    if vote.status == "agrees" then
      local digest = vote.digest
      if counts[digest] == nil then
        counts[digest] = 0
        digests[#digests + 1] = digest
      end
      counts[digest] = counts[digest] + 1
    end
  end

  local best, most, tied = nil, 0, false
  for i = 1, #digests do
    local digest = digests[i]
    local count = counts[digest]
    if count > most then
      best, most, tied = digest, count, false
    elseif count == most then
      tied = true
    end
  end

  if best == nil then
    return nil, string.format("none of %d logs has an entry", total)
  end
  if tied then
    return nil, string.format("tie: several digests each have %d of %d logs", most, total)
  end
  -- Compare in integers (most * 100 >= threshold * total) so 2 of 3 meets 66 but not 66.7.
  if most * 100 < threshold * total then
    return nil, string.format("%d of %d logs agree (%.1f%%), below the %g%% threshold",
      most, total, most * 100 / total, threshold)
  end
  if most < min_agreeing then
    return nil, string.format("%d of %d logs agree, fewer than min_agreeing %d", most, total, min_agreeing)
  end
  return best, most / total
end
