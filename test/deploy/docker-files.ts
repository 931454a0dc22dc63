import fs from 'node:fs';
import path from 'node:path';
import { dockerDir } from './entrypoint-process.js';
import { parseYamlSubset } from './yaml-subset.js';

/** Readers for docker/compose.yaml and docker/Dockerfile, for the structural checks. */

export interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean };
  restart?: string;
}

export interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** docker/compose.yaml, read with the strict YAML-subset reader (no YAML library is installed). */
export function readCompose(): ComposeFile {
  return parseYamlSubset(
    fs.readFileSync(path.join(dockerDir, 'compose.yaml'), 'utf8'),
  ) as unknown as ComposeFile;
}

/** The host file behind a container path, through the service's bind mounts (relative to docker/). */
export function hostPathOf(service: ComposeService, containerPath: string): string {
  for (const volume of service.volumes ?? []) {
    const [source = '', target = ''] = volume.split(':');
    if (!source.startsWith('.') || !containerPath.startsWith(target + '/')) continue;
    return path.join(dockerDir, source, containerPath.slice(target.length + 1));
  }
  throw new Error(`${containerPath} is not on a bind mount of this service`);
}

export interface Instruction {
  stage: number; // 0 for the first FROM's stage
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions: continuation lines joined, comments and blank lines dropped. */
export function readDockerfile(): Instruction[] {
  const text = fs.readFileSync(path.join(dockerDir, 'Dockerfile'), 'utf8');
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '');
  let stage = -1;
  return logical.map((line) => {
    const [, keyword = '', args = ''] = /^\s*(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stage++;
    return { stage, keyword: keyword.toUpperCase(), args: args.trim() };
  });
}
