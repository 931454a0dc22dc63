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

export const absent = (logName: string, weight = 1): Vote => ({
  logName,
  logId: `id-${logName}`,
  weight,
  status: 'absent',
  digest: null,
});

export const unavailable = (logName: string, weight = 1): Vote => ({
  logName,
  logId: `id-${logName}`,
  weight,
  status: 'unavailable',
  digest: null,
});

export const compromised = (logName: string, weight = 1): Vote => ({
  logName,
  logId: `id-${logName}`,
  weight,
  status: 'compromised',
  digest: null,
});
