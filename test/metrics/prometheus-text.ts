/** Reading samples out of Prometheus text exposition, for assertions. */

export type Labels = Record<string, string>;

interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL_PAIR)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const sameLabels = (a: Labels, b: Labels): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/** The value of the sample with exactly these labels, or undefined when there is none. */
export function sampleValue(text: string, name: string, labels: Labels = {}): number | undefined {
  return parseSamples(text).find((s) => s.name === name && sameLabels(s.labels, labels))?.value;
}

/** Every label set `name` has samples for. */
export function labelSets(text: string, name: string): Labels[] {
  return parseSamples(text)
    .filter((s) => s.name === name)
    .map((s) => s.labels);
}
