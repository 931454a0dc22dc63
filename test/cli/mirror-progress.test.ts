import { describe, expect, it } from 'vitest';
import { firstCatchUpBars } from '../../src/cli/mirror-progress.js';
import type { FollowedLog } from '../../src/follower/followed-log.js';
import type { Progress } from '../../src/cli/progress.js';

/** A mirrored log as the callback sees it: its mirror has a checkpoint once `complete`. */
function mirroredLog(name: string) {
  const store: { head: object | undefined } = { head: undefined };
  const log = { id: `id-${name}`, name, mirrorOf: { mirror: { store } } } as unknown as FollowedLog;
  return { log, complete: () => (store.head = {}) };
}

/** Records every bar drawn and what it was told. */
function recorder() {
  const events: string[] = [];
  const create = (label: string, total: number): Progress => {
    events.push(`new ${label} /${total}`);
    return {
      update: (done) => void events.push(`${label} ${done}`),
      print: () => undefined,
      finish: () => void events.push(`end ${label}`),
    };
  };
  return { events, create };
}

describe('firstCatchUpBars', () => {
  it('draws one bar per log for its first catch-up, and none once the mirror has a checkpoint', () => {
    const { events, create } = recorder();
    const onProgress = firstCatchUpBars(create);
    const a = mirroredLog('a');
    onProgress(a.log, 1024, 3000);
    onProgress(a.log, 2048, 3000);
    a.complete();
    onProgress(a.log, 3000, 3000);
    onProgress(a.log, 3100, 3100); // a later catch-up: no bar
    expect(events).toEqual([
      'new mirroring a /3000',
      'mirroring a 1024',
      'mirroring a 2048',
      'mirroring a 3000',
      'end mirroring a',
    ]);
  });

  it('starts a new bar when an interrupted first catch-up resumes towards a newer head', () => {
    const { events, create } = recorder();
    const onProgress = firstCatchUpBars(create);
    const b = mirroredLog('b');
    onProgress(b.log, 1024, 3000);
    onProgress(b.log, 2048, 5000);
    expect(events).toEqual([
      'new mirroring b /3000',
      'mirroring b 1024',
      'end mirroring b',
      'new mirroring b /5000',
      'mirroring b 2048',
    ]);
  });
});
