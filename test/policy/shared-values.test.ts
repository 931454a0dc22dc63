import { describe, expect, test } from 'vitest';

import { loadPolicy, type Vote } from '../../src/policy/index.js';
import { A, absent, agrees } from './votes.js';

/**
 * Log names, ids, param strings and status words are Lua strings made once and shared by every
 * evaluation (src/policy/lua-values.ts). A policy gets them when the first vote is from "evil" and
 * does everything it can to them and to the tables around them; otherwise it reports what it sees.
 */
const source = `return function(votes, params)
  if #votes == 0 then return nil, "no votes" end
  if votes[1].name == "evil" then
    for _, vote in ipairs(votes) do
      local s = vote.name
      s = s:upper() .. s:lower() .. s:rep(3) .. s:reverse() .. s:gsub("e", "E") .. s:sub(2)
      vote.name, vote.id, vote.status, vote.digest, vote.weight = s, s, "absent", nil, -1
      vote.extra = true
      setmetatable(vote, { __index = function() return "x" end })
      local keys = { [vote.id] = 1, [params.label] = 2 }
      keys[s] = keys[s]
    end
    params.label, params.logs[1], params.logs[3], params.extra = "changed", "z", "y", 1
    setmetatable(params, { __index = function() return "x" end })
    votes[1], votes[2], votes[9] = nil, votes[1], {}
    return nil, "attacked"
  end
  local parts = {}
  for i, v in ipairs(votes) do
    local fields = {}
    for k, value in pairs(v) do fields[#fields + 1] = k .. "=" .. tostring(value) end
    parts[i] = table.concat(fields, ",") .. "," .. tostring(getmetatable(v))
  end
  local names = {}
  for k in pairs(params) do names[#names + 1] = k end
  table.sort(names)
  return nil, table.concat(parts, ";") .. "|" .. table.concat(names, ",") .. "|" .. params.label ..
    "," .. table.concat(params.logs, "+") .. "," .. tostring(params.extra) .. "," .. tostring(getmetatable(params))
end`;

const policy = () =>
  loadPolicy({ name: 'shared', source, params: { label: 'evil', logs: ['evil', 'id-evil'] } });

const votes = (first: string): Vote[] => [agrees(first, A, 2), absent('evil'), agrees('other', A)];
const EXPECTED =
  `name=good,id=id-good,weight=2,status=agrees,digest=${A},nil;` +
  `name=evil,id=id-evil,weight=1,status=absent,nil;` +
  `name=other,id=id-other,weight=1,status=agrees,digest=${A},nil` +
  `|label,logs|evil,evil+id-evil,nil,nil`;

describe('values shared between evaluations', () => {
  test('nothing a policy does to its votes, params or their strings reaches the next evaluation', () => {
    const p = policy();
    expect(p.evaluate(votes('good'))).toMatchObject({ reason: EXPECTED });
    expect(p.evaluate(votes('evil'))).toMatchObject({ reason: 'attacked' });
    expect(p.evaluate(votes('good'))).toMatchObject({ reason: EXPECTED });
    // Another policy, with its own Lua state, shares the same strings.
    expect(policy().evaluate(votes('good'))).toMatchObject({ reason: EXPECTED });
  });

  test('strings made outside Lua key tables and compare like the same strings made by the policy', () => {
    const p = loadPolicy({
      name: 'keys',
      source: `return function(votes, params)
        if #votes == 0 then return nil, "no votes" end
        local t = { [votes[1].name] = 1, [votes[2].name] = 2, [votes[1].digest] = 3, [params.label] = 4 }
        return nil, t["x" .. "1"] .. t[string.char(0xC3, 0xA9)] .. t[string.rep("a", 64)] .. t["lab" .. "el"] ..
          tostring(votes[1].name < "x2") .. tostring(votes[2].name > "x1") .. tostring(votes[1].status == "agr" .. "ees")
      end`,
      params: { label: 'label' },
    });
    expect(p.evaluate([agrees('x1', A), absent('é')])).toMatchObject({ reason: '1234truetruetrue' });
  });

  test('a shared string is charged on every use: an oversized log name is stopped every time', () => {
    const long = 'n'.repeat(70_000);
    const p = loadPolicy({ name: 'p', source: 'return function() return nil, "ran" end' });
    for (let i = 0; i < 2; i++) {
      expect(p.evaluate([absent(long)])).toMatchObject({
        kind: 'failed',
        stopped: true,
        reason: 'stopped: a string of 70000 bytes exceeds the string limit of 65536 bytes',
      });
    }
    expect(p.evaluate([absent('short')])).toMatchObject({ reason: 'ran' });
  });
});
