import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** s3rver's fixed credentials: the daemon gets them through the AWS environment variables. */
export const S3RVER_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
};

export interface S3rverProcess {
  /** http://127.0.0.1:<port>, the port the OS gave. */
  endpoint: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** Runs s3rver (the npm devDependency) as a child process on port 0, storing objects in `dir`. */
export async function startS3rver(dir: string): Promise<S3rverProcess> {
  const bin = fileURLToPath(import.meta.resolve('s3rver/bin/s3rver.js'));
  const proc = spawn(process.execPath, [bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const listening = /S3rver listening on [\d.]+:(\d+)/.exec(out);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`s3rver exited before it listened:\n${out}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      running.delete(proc);
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
