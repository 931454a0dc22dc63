import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/errors.js';
import type { NixOutput } from '../../src/nix/canonical-value.js';
import { crossCheckNarinfo } from '../../src/nix/cross-check.js';
import { parseNarinfo } from '../../src/nix/narinfo.js';
import { DEP_BASE, fixtureText, HELLO, SELF_REF, SELF_REF_BASE } from './fixtures.js';

const narinfo = parseNarinfo(fixtureText('self-ref-xz.narinfo'));
const decided: NixOutput = {
  storePath: SELF_REF,
  narHash: 'sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725',
  narSize: 232,
  references: [DEP_BASE, SELF_REF_BASE],
};
const helloNarinfo = parseNarinfo(fixtureText('hello-xz.narinfo'));
const helloDecided: NixOutput = {
  storePath: HELLO,
  narHash: 'sha256-gSlSFfV+zumnI8XxDoVmBbkuj9oFgi8jtPHAQDmbHCc=', // SRI on purpose: compared normalised
  narSize: 136,
  references: [],
  ca: 'fixed:r:sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
};

function expectMismatch(fn: () => void, message: RegExp): void {
  expect(fn).toThrow(VerificationError);
  expect(fn).toThrow(message);
}

describe('crossCheckNarinfo', () => {
  it('accepts a narinfo that describes the decided output', () => {
    expect(() => crossCheckNarinfo(narinfo, decided)).not.toThrow();
    expect(() =>
      crossCheckNarinfo({ ...narinfo, references: [SELF_REF_BASE, DEP_BASE] }, decided),
    ).not.toThrow();
    expect(() => crossCheckNarinfo(helloNarinfo, helloDecided)).not.toThrow();
  });

  it('names each mismatching field', () => {
    expectMismatch(
      () => crossCheckNarinfo(narinfo, { ...decided, storePath: HELLO }),
      /narinfo StorePath .*tally-self-ref does not match the decided .*hello.txt/,
    );
    expectMismatch(
      () =>
        crossCheckNarinfo(narinfo, {
          ...decided,
          narHash: 'sha256:0if0zn8lf1x5f608dfbzpz3cir9y5w11f6s6d4r3w6h974pp3b8c',
        }),
      /narinfo NarHash sha256:1w3q.* does not match the decided sha256:0if0/,
    );
    expectMismatch(
      () => crossCheckNarinfo(narinfo, { ...decided, narSize: 233 }),
      /narinfo NarSize 232 does not match the decided 233/,
    );
    expectMismatch(
      () => crossCheckNarinfo(narinfo, { ...decided, references: [DEP_BASE] }),
      new RegExp(`References differ .*missing: none; extra: ${SELF_REF_BASE}`),
    );
    expectMismatch(
      () => crossCheckNarinfo({ ...narinfo, references: [DEP_BASE] }, decided),
      new RegExp(`References differ .*missing: ${SELF_REF_BASE}; extra: none`),
    );
    expectMismatch(
      () => crossCheckNarinfo({ ...narinfo, references: [DEP_BASE, DEP_BASE, SELF_REF_BASE] }, decided),
      /lists a path twice/,
    );
    expectMismatch(
      () => crossCheckNarinfo(narinfo, { ...decided, ca: helloDecided.ca }),
      /narinfo CA none does not match the decided fixed:r:sha256:09qw/,
    );
    expectMismatch(
      () => crossCheckNarinfo(helloNarinfo, { ...helloDecided, ca: undefined }),
      /narinfo CA fixed:r:sha256:09qw.* does not match the decided none/,
    );
    expectMismatch(
      () =>
        crossCheckNarinfo(helloNarinfo, {
          ...helloDecided,
          ca: 'fixed:sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
        }),
      /narinfo CA fixed:r:sha256:.* does not match the decided fixed:sha256:/,
    );
  });
});
