import { describe, expect, it } from 'vitest';
import { parseAddCheckpointBody } from '../../src/witness/add-checkpoint.js';

// c2sp.org/tlog-witness, "add-checkpoint": the example request body, byte for byte.
const SPEC_REQUEST = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;

describe('add-checkpoint request bodies', () => {
  it("parses the spec's example request", () => {
    const request = parseAddCheckpointBody(Buffer.from(SPEC_REQUEST));
    expect(request.oldSize).toBe(20852014);
    expect(request.proof.map((h) => h.toString('base64'))).toEqual([
      'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=',
      'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=',
      '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=',
      '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
    ]);
    expect(request.checkpoint).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163 });
    expect(request.text).toBe(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    expect(request.note).toBe(SPEC_REQUEST.slice(SPEC_REQUEST.indexOf('example.com')));
  });

  it('names what is wrong in a malformed body', () => {
    const bad = (body: string) => () => parseAddCheckpointBody(Buffer.from(body));
    expect(bad('old 1')).toThrow(/"old <size>" line ending in a newline/);
    expect(bad('old 01\n\n')).toThrow(/no leading zeros/);
    expect(bad('old 1\nAAAA\n\n')).toThrow(/proof line 1 is 3 bytes/);
    expect(bad('old 1\n')).toThrow(/no empty line/);
    expect(bad(SPEC_REQUEST.replace('20852163', '020852163'))).toThrow(/checkpoint size/);
  });
});
