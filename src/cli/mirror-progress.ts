import type { MirrorOf } from '../follower/followed-log.js';
import { createProgress, type Progress } from './progress.js';

type OnProgress = NonNullable<MirrorOf['onProgress']>;

/**
 * For `tally daemon`: a progress bar for each mirrored log's first catch-up, the one that copies
 * it while the mirror has no checkpoint yet (resumed after a restart too). createProgress draws it
 * on a terminal only, never in CI or into a pipe; later catch-ups, a few bundles each, draw none.
 */
export function firstCatchUpBars(
  create: (label: string, total: number) => Progress = createProgress,
): OnProgress {
  const bars = new Map<string, { bar: Progress; target: number }>();
  return (log, stored, target) => {
    let shown = bars.get(log.id);
    if (shown !== undefined && shown.target !== target) {
      // A catch-up that failed and started again towards a newer head.
      shown.bar.finish();
      shown = undefined;
    }
    if (shown === undefined) {
      if (log.mirrorOf?.mirror.store.head !== undefined) return;
      shown = { bar: create(`mirroring ${log.name}`, target), target };
      bars.set(log.id, shown);
    }
    shown.bar.update(stored);
    if (stored >= target) {
      shown.bar.finish();
      bars.delete(log.id);
    }
  };
}
