import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as z from 'zod';
import { parse as parseToml } from 'smol-toml';
import { parseConfig } from '../../src/config/parse.js';
import { configFileSchema } from '../../src/config/schema.js';
import { anchorsOf } from '../readme/readme.js';

const EXAMPLE_FILE = new URL('../../docs/example-config.toml', import.meta.url);
// The configuration reference lives in the README, section "Configuration reference".
const README = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const REFERENCE = README.slice(
  README.indexOf('\n## Configuration reference'),
  README.indexOf('\n## Development'),
);

/**
 * Every key path the schema knows; an array of tables is marked `follow[]`, tables of free keys
 * and arrays of strings are leaves.
 */
function keyPaths(schema: z.ZodType, path: string[] = []): string[][] {
  if (schema instanceof z.ZodPrefault || schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) {
    return keyPaths(schema.unwrap() as z.ZodType, path);
  }
  // An array of tables; an array of strings (follow.witnesses) is a leaf.
  if (schema instanceof z.ZodArray && !(schema.element instanceof z.ZodString))
    return keyPaths(schema.element as z.ZodType, [...path.slice(0, -1), `${path.at(-1)}[]`]);
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape).flatMap(([name, inner]) =>
      keyPaths(inner as z.ZodType, [...path, name]),
    );
  }
  return [path];
}

/**
 * As [table, key within it]: table "" is the top level, `follow[]` reads "follow", and a key of an
 * array of tables inside a table (`witness`, `log[]`, `origin`) belongs to table "witness.log".
 */
function schemaKeys(): [string, string][] {
  return keyPaths(configFileSchema).map((path) => {
    if (path.length === 1) return ['', path[0]!];
    const inner = path.findIndex((part, i) => i > 0 && part.endsWith('[]'));
    const split = inner > 0 && inner < path.length - 1 ? inner + 1 : 1;
    const table = path.slice(0, split).join('.').replaceAll('[]', '');
    return [table, path.slice(split).join('.')];
  });
}

/** The values of a (dotted) table in a parsed TOML file, arrays of tables flattened. */
function tableValues(raw: Record<string, unknown>, table: string): unknown[] {
  if (table === '') return [raw];
  return table
    .split('.')
    .reduce<unknown[]>(
      (values, part) => values.flatMap((v) => [(v as Record<string, unknown>)[part]].flat()),
      [raw],
    )
    .filter((v) => v !== undefined);
}

/** Every key row of the README's reference tables, as [table, key]: the keys the README documents. */
function documentedKeys(): [string, string][] {
  return REFERENCE.split('\n### ').flatMap((section): [string, string][] => {
    const heading = /^(?:Top level|`\[\[?([\w.]+)\]\]?`)/.exec(section);
    if (heading === null) return []; // Validation, Paths, Listeners: prose, no keys
    const table = heading[1] ?? '';
    return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((row): [string, string] => [table, row[1]!]);
  });
}

describe('docs/example-config.toml', () => {
  const text = fs.readFileSync(EXAMPLE_FILE, 'utf8');

  test('parses, with its example follows and policy chain', () => {
    const config = parseConfig(text, { file: '/etc/tally/tally.toml' });
    expect(config.follow.map((follow) => follow.name)).toEqual(['builder-a', 'builder-b']);
    expect(config.policy.map((policy) => policy.name)).toEqual(['two-thirds', 'fallback-builder-a']);
    expect(config.stateDir).toBe('/etc/tally/tally-data');
  });

  test('every example policy needs at least two agreeing logs, so a shrunken electorate never decides alone', () => {
    const config = parseConfig(text, { file: '/etc/tally/tally.toml' });
    expect(config.policy.map((policy) => policy.params.min_agreeing)).toEqual([2, 2]);
  });

  test('names where its reference is, and that section exists', () => {
    const reference = /^# Reference: ([\w./-]+)#([\w-]+)\./m.exec(text);
    expect(reference, 'a "# Reference: FILE#ANCHOR." line').not.toBeNull();
    const [, file, anchor] = reference!;
    const referenceFile = new URL(`../../${file}`, import.meta.url);
    expect(fs.existsSync(referenceFile), file).toBe(true);
    expect(anchorsOf(fs.readFileSync(referenceFile, 'utf8'))).toContain(anchor);
    expect(anchor).toBe('configuration-reference');
  });

  test('sets every key the schema knows', () => {
    const raw = parseToml(text) as Record<string, unknown>;
    const missing = schemaKeys().filter(([table, key]) => {
      return !tableValues(raw, table).some((entry) => {
        let value: unknown = entry;
        for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
        return value !== undefined;
      });
    });
    expect(missing).toEqual([]);
  });
});

test('the key walk sees tables, arrays of tables and nested tables', () => {
  const keys = schemaKeys();
  expect(keys).toContainEqual(['', 'state_dir']);
  expect(keys).toContainEqual(['follow_defaults', 'request_timeout_ms']);
  expect(keys).toContainEqual(['follow', 'public_key']);
  expect(keys).toContainEqual(['policy', 'limits.memory_bytes']);
  expect(keys).toContainEqual(['publish', 'meta']);
  expect(keys).toHaveLength(documentedKeys().length);
});

describe('README configuration reference', () => {
  test('documents every key in the table of its section', () => {
    const sections = REFERENCE.split('\n### ');
    const undocumented = schemaKeys().filter(([table, key]) => {
      const heading = table === '' ? 'Top level' : `\`[${table}]\``;
      const arrayHeading = `\`[[${table}]]\``;
      const section = sections.find((s) => {
        const firstLine = s.split('\n')[0]!;
        return firstLine.startsWith(heading) || firstLine.startsWith(arrayHeading);
      });
      return section === undefined || !section.includes(`| \`${key}\` |`);
    });
    expect(undocumented).toEqual([]);
  });

  test('documents no key the schema does not know', () => {
    const known = new Set(schemaKeys().map((k) => k.join(' ')));
    expect(documentedKeys().filter((k) => !known.has(k.join(' ')))).toEqual([]);
  });
});
