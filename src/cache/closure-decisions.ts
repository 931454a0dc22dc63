import { decodeNixValue } from '../nix/canonical-value.js';
import { hashPartOfKey, keyFromHashPart } from '../nix/store-path.js';
import type { CacheDecision, DecisionSource } from './decision-source.js';

/**
 * Decisions that hold only when the whole closure is decided (`[cache]
 * require_decided_references`): a decided path is reported undecided while any path it refers to,
 * directly or through others, is undecided, with a reason naming that path. Nix substitutes a
 * closure, never a path alone: serving a path whose reference cannot be served only moves the
 * failure to the reference, where Nix reports it as `don't know how to build` or `path ... is not
 * valid`, naming neither the proxy nor why.
 *
 * The closure is walked breadth first, each level's decisions asked for at once; a path seen
 * before (a shared dependency, or a cycle a hostile log could claim) is not asked again. A closure
 * found complete is remembered for as long as the decided value object lives (the decider's cache
 * keeps it for `decide.cache_ttl_seconds`), so repeated requests cost one lookup.
 */
export function closureDecisions(source: DecisionSource, storeDir: string): DecisionSource {
  const complete = new WeakSet<Buffer>();
  const referencesOf = new WeakMap<Buffer, string[]>();

  /** The store path basenames `value` refers to, other than itself. */
  const references = (hashPart: string, value: Buffer): string[] => {
    let refs = referencesOf.get(value);
    if (refs === undefined) {
      refs = decodeNixValue(value, { storeDir }).references.filter((r) => !r.startsWith(`${hashPart}-`));
      referencesOf.set(value, refs);
    }
    return refs;
  };

  return {
    async decide(key) {
      const decision = await source.decide(key);
      if (!decision.decided || complete.has(decision.value)) return decision;
      const hashPart = hashPartOfKey(key);
      let refs: string[];
      try {
        refs = references(hashPart, decision.value);
      } catch {
        return decision; // an unusable value is refused by the route, with its own reason
      }
      const seen = new Set<string>([hashPart]);
      /** Each path to decide, with the path that refers to it (undefined: the requested path). */
      let level = refs.map((ref) => ({ ref, of: undefined as string | undefined }));
      while (level.length > 0) {
        const fresh = level.filter(({ ref }) => {
          const h = ref.slice(0, 32);
          if (seen.has(h)) return false;
          seen.add(h);
          return true;
        });
        const decided = await Promise.all(
          fresh.map(({ ref }) => source.decide(keyFromHashPart(ref.slice(0, 32)))),
        );
        const next: typeof level = [];
        for (let i = 0; i < fresh.length; i++) {
          const { ref, of } = fresh[i]!;
          const d = decided[i]!;
          if (!d.decided) return undecidedReference(storeDir, ref, of, d.reason);
          let theirs: string[];
          try {
            theirs = references(ref.slice(0, 32), d.value);
          } catch (e) {
            return undecidedReference(
              storeDir,
              ref,
              of,
              `its decided value is unusable: ${(e as Error).message}`,
            );
          }
          for (const r of theirs) next.push({ ref: r, of: ref });
        }
        level = next;
      }
      complete.add(decision.value);
      return decision;
    },
  };
}

function undecidedReference(
  storeDir: string,
  ref: string,
  of: string | undefined,
  reason: string,
): CacheDecision {
  const via = of === undefined ? '' : ` (a reference of ${storeDir}/${of})`;
  return { decided: false, reason: `reference ${storeDir}/${ref}${via} is not decided: ${reason}` };
}
