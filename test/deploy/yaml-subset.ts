/**
 * A strict reader for the small block-style subset of YAML that docker/compose.yaml is written in
 * (no YAML library is installed). It refuses anything outside the subset instead of guessing:
 *
 *   key: scalar          key:                key:
 *   # comment              nested: scalar      - scalar
 *
 * Scalars are 'single-quoted' ('' for a quote), "double-quoted" (JSON escapes), true / false,
 * integers, {} / [] (empty), or plain words without ": " or " #"; YAML 1.1 booleans (yes, no, on,
 * off) must be quoted. Indentation is spaces only. `prettier --check` (npm run lint) parses the
 * same file with a full YAML parser.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  number: number;
  indent: number;
  text: string;
}

const PLAIN = /^[A-Za-z0-9_./@-][A-Za-z0-9_./:@-]*$/;

function fail(line: Line, message: string): never {
  throw new Error(`compose.yaml:${line.number}: ${message}: ${line.text}`);
}

function scalar(line: Line, text: string): YamlValue {
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      fail(line, 'bad double-quoted string');
    }
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) fail(line, 'bad single-quoted string');
    return text.slice(1, -1).replaceAll("''", "'");
  }
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === '{}') return {};
  if (text === '[]') return [];
  if (/^-?[0-9]+$/.test(text)) return Number(text);
  if (/^(yes|no|on|off|y|n)$/i.test(text)) fail(line, 'a YAML 1.1 boolean: quote it');
  if (PLAIN.test(text) && !text.includes(': ')) return text;
  fail(line, 'not in the YAML subset (quote the value)');
}

function logicalLines(text: string): Line[] {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = { number: i + 1, indent: 0, text: raw };
    if (raw.includes('\t')) fail(line, 'tab');
    const content = raw.trimStart();
    if (content === '' || content.startsWith('#')) return;
    if (/\s#/.test(content.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, '""')))
      fail(line, 'comments only on lines of their own');
    lines.push({ number: i + 1, indent: raw.length - content.length, text: content.trimEnd() });
  });
  return lines;
}

/** Parses the block starting at lines[start] (all at lines[start].indent); returns it and the next index. */
function block(lines: Line[], start: number): [YamlValue, number] {
  const indent = lines[start]!.indent;
  const isList = lines[start]!.text.startsWith('- ');
  const list: YamlValue[] = [];
  const map: { [key: string]: YamlValue } = {};
  let i = start;
  while (i < lines.length && lines[i]!.indent >= indent) {
    const line = lines[i]!;
    if (line.indent > indent) fail(line, 'unexpected indentation');
    if (line.text.startsWith('- ') !== isList) fail(line, 'mixes list items and keys');
    if (isList) {
      list.push(scalar(line, line.text.slice(2).trim()));
      i++;
      continue;
    }
    const match = /^("(?:[^"\\]|\\.)*"|[A-Za-z0-9_.-]+):(?: (.*))?$/.exec(line.text);
    if (!match) fail(line, 'expected "key: value" or "key:"');
    const key = match[1]!.startsWith('"') ? (JSON.parse(match[1]!) as string) : match[1]!;
    if (key in map) fail(line, `duplicate key ${key}`);
    i++;
    if (match[2] !== undefined) {
      map[key] = scalar(line, match[2].trim());
    } else if (i < lines.length && lines[i]!.indent > indent) {
      [map[key], i] = block(lines, i);
    } else {
      map[key] = null;
    }
  }
  return [isList ? list : map, i];
}

export function parseYamlSubset(text: string): YamlValue {
  const lines = logicalLines(text);
  if (lines.length === 0) return null;
  if (lines[0]!.indent !== 0) fail(lines[0]!, 'the document must start at column 0');
  const [value, next] = block(lines, 0);
  if (next !== lines.length) fail(lines[next]!, 'unexpected dedent');
  return value;
}
