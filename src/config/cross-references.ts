import type * as z from 'zod';
import { formatHostPort, type HostPort } from './address.js';
import type { ConfigFile } from './schema.js';

/**
 * Checks that read more than one section, so they run once the whole file is otherwise valid:
 * what policies and follows name must exist, the local log can only vote when it is published, a witness
 * needs the HTTP listener and logs to cosign, and no two listeners share an address.
 */
export function checkCrossReferences(file: ConfigFile, ctx: z.RefinementCtx): void {
  const report = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message, input: file });
  };

  if (file.decide.local_log_votes && !file.publish.enabled) {
    report(['decide', 'local_log_votes'], 'requires publish.enabled: there is no local log to vote');
  }

  const followNames = new Set(file.follow.map((follow) => follow.name));
  file.policy.forEach((policy, i) => {
    if (policy.file.kind !== 'builtin' || policy.file.name !== 'name-match') return;
    const name = policy.params.name;
    if (typeof name !== 'string') return; // reported by the policy entry itself
    if (name === 'local') {
      if (!file.decide.local_log_votes) {
        report(['policy', i, 'params', 'name'], '"local" requires decide.local_log_votes = true');
      }
    } else if (!followNames.has(name)) {
      const known = [...followNames].map((n) => JSON.stringify(n)).join(', ') || 'none';
      report(
        ['policy', i, 'params', 'name'],
        `${JSON.stringify(name)} is not a followed log (followed: ${known}) nor "local"`,
      );
    }
  });

  const witnessNames = new Set(file.witnesses.map((w) => w.name));
  file.follow.forEach((follow, i) => {
    follow.witnesses.forEach((name, j) => {
      if (witnessNames.has(name)) return;
      const known = [...witnessNames].map((n) => JSON.stringify(n)).join(', ') || 'none';
      report(
        ['follow', i, 'witnesses', j],
        `${JSON.stringify(name)} is not in [[witnesses]] (listed: ${known})`,
      );
    });
  });

  if (file.witness.enabled) {
    if (file.api.http_listen === undefined) {
      report(
        ['witness', 'enabled'],
        'requires api.http_listen: add-checkpoint is served on the HTTP listener',
      );
    }
    if (file.witness.name === undefined && file.witness.key_file === undefined) {
      report(
        ['witness', 'name'],
        'required when witness.key_file is not set: it names the generated witness key',
      );
    }
    if (file.witness.log.length === 0 && !(file.witness.followed_logs && file.follow.length > 0)) {
      report(
        ['witness', 'log'],
        'the witness has no log to cosign: add [[witness.log]] or set followed_logs with [[follow]]',
      );
    }
    if (file.witness.audit && !file.follow.some((f) => f.mirror)) {
      report(
        ['witness', 'audit'],
        'the auditing witness cosigns only logs it mirrors: add a [[follow]] with mirror = true',
      );
    }
  }

  const listeners: [path: [string, string], address: HostPort | undefined][] = [
    [['api', 'listen'], file.api.listen],
    [['api', 'http_listen'], file.api.http_listen],
    [['admin', 'listen'], file.admin.listen],
    [['cache', 'listen'], file.cache.listen],
    [['cache', 'metrics_listen'], file.cache.metrics_listen],
  ];
  const taken = new Map<string, string>();
  for (const [path, address] of listeners) {
    if (address === undefined || address.port === 0) continue; // port 0: each bind gets its own port
    const text = formatHostPort(address);
    const owner = taken.get(text);
    if (owner !== undefined) report(path, `${text} is already used by ${owner}`);
    else taken.set(text, path.join('.'));
  }
}
