-- weighted: each log's vote counts its weight. The digest with the largest summed weight wins if
-- that sum is at least `threshold` percent (0..100, like percentage.lua) of the total weight of
-- ALL logs (absent, unavailable and compromised ones included) and at least `min_agreeing` logs
-- (default 1) hold it. A tie for the largest sum is undecided.
-- Confidence: the winning weight as a fraction of the total weight.

return function(votes, params)
  local threshold, min_agreeing = params.threshold, params.min_agreeing or 1
  if type(threshold) ~= "number" or threshold < 0 or threshold > 100 then
    error("param threshold must be a number of percent from 0 to 100", 0)
  end
  if math.type(min_agreeing) ~= "integer" or min_agreeing < 1 then
    error("param min_agreeing must be a whole number of logs, at least 1", 0)
  end

  local total, sums, counts, digests = 0, {}, {}, {}
  -- Numeric loops: under fengari, each step of ipairs is a call into JavaScript (~20% of a run).
  for i = 1, #votes do
    local vote = votes[i]
    total = total + vote.weight
    if vote.status == "agrees" then
      local digest = vote.digest
      if sums[digest] == nil then
        sums[digest], counts[digest] = 0, 0
        digests[#digests + 1] = digest
      end
      sums[digest] = sums[digest] + vote.weight
      counts[digest] = counts[digest] + 1
    end
  end
  if total <= 0 then
    return nil, "no voting log has any weight"
  end

  local best, heaviest, tied = nil, 0, false
  for i = 1, #digests do
    local digest = digests[i]
    local sum = sums[digest]
    if sum > heaviest then
      best, heaviest, tied = digest, sum, false
    elseif sum == heaviest then
      tied = true
    end
  end

  if best == nil then
    return nil, "no log with weight has an entry"
  end
  if tied then
    return nil, string.format("tie: several digests each have weight %g of %g", heaviest, total)
  end
  if heaviest * 100 < threshold * total then
    return nil, string.format("weight %g of %g agrees (%.1f%%), below the %g%% threshold",
      heaviest, total, heaviest * 100 / total, threshold)
  end
  if counts[best] < min_agreeing then
    return nil, string.format("%d of %d logs agree, fewer than min_agreeing %d",
      counts[best], #votes, min_agreeing)
  end
  return best, heaviest / total
end
