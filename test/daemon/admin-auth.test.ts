import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectAdmin } from '../../src/api/client.js';
import { startDaemonProcess, testConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

describe('admin API over TCP', () => {
  it('refuses calls without a token and with a wrong one, accepts the right one', async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, 'token');
    const token = 'a-long-enough-secret-token-1234';
    fs.writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
    const daemon = await startDaemonProcess({
      stateDir: path.join(dir, 'state'),
      config: testConfig(`[admin]\nlisten = "127.0.0.1:0"\ntoken_file = "${tokenFile}"\n`),
    });
    const entries = [{ key: Buffer.alloc(20, 1), value: Buffer.from('v') }];
    const address = daemon.adminTcp!;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);

    // Without a token: the typed client refuses to send an empty one, so use a bare channel.
    const { Client, credentials, Metadata } = await import('@grpc/grpc-js');
    const bare = new Client(address, credentials.createInsecure());
    const code = await new Promise<number>((resolve) =>
      bare.makeUnaryRequest(
        '/tally.v1.AdminService/Submit',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        new Metadata(),
        (err) => resolve(err?.code ?? 0),
      ),
    );
    bare.close();
    expect(code).toBe(7); // PERMISSION_DENIED

    const wrong = connectAdmin({ address, token: 'wrong-token-wrong-token' });
    await expect(wrong.submit({ logId: '', entries })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringMatching(/admin token is wrong/),
    });
    wrong.close();

    const right = connectAdmin({ address, token });
    const { results } = await right.submit({ logId: '', entries });
    expect(results).toHaveLength(1);
    right.close();
    expect(await daemon.stop()).toBe(0);
  });

  it('refuses a TCP admin listener without a token file at start', async () => {
    const dir = tempDir();
    await expect(
      startDaemonProcess({
        stateDir: path.join(dir, 'state'),
        config: testConfig('[admin]\nlisten = "127.0.0.1:0"\n'),
      }),
    ).rejects.toThrow(/token_file/);
  });
});
