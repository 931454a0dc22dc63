import type { Vote } from '../../src/policy/index.js';

/** Distinct value digests. */
export const A = 'a'.repeat(64);
export const B = 'b'.repeat(64);
export const C = 'c'.repeat(64);

export const agrees = (logName: string, digest: string, weight = 1): Vote => ({
  logName,
  logId: `id-${logName}`,
  weight,
  status: 'agrees',
  digest,
});

/** A vote with no digest, of the given status. */
const withoutDigest =
  (status: 'absent' | 'unavailable' | 'compromised') =>
  (logName: string, weight = 1): Vote => ({ logName, logId: `id-${logName}`, weight, status, digest: null });

export const absent = withoutDigest('absent');
export const unavailable = withoutDigest('unavailable');
export const compromised = withoutDigest('compromised');
