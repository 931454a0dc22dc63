import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/tmp.js';

/** README.md as a newcomer reads it: sections and fenced code blocks. */
export const README = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

export interface CodeBlock {
  /** The info string after the opening fence: `sh`, `toml`, `lua`, or ''. */
  lang: string;
  code: string;
  /** The `## ` section the block is in. */
  section: string;
}

/** The text of the `## title` section, up to the next `## ` heading. */
export function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Every fenced block of the README, in order. */
export function codeBlocks(): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const match of README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const before = README.slice(0, match.index);
    const heading = [...before.matchAll(/^## (.+)$/gm)].at(-1)?.[1] ?? '';
    blocks.push({ lang: match[1]!, code: match[2]!, section: heading });
  }
  return blocks;
}

/** The command lines of a shell block: comment lines and blank lines dropped. */
export function commandLines(block: CodeBlock): string[] {
  return block.code
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A line without its trailing `# comment` (outside quotes, which README commands do not need). */
export function withoutComment(line: string): string {
  return line.replace(/\s+#.*$/, '').trim();
}

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading of a Markdown text (fenced code skipped). */
export function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}
