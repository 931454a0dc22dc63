/** Public keys in Nix key-file text, with their raw bytes written out independently. */
export const KEY_A_BYTES = new Uint8Array(32).fill(0xa1);
export const KEY_B_BYTES = new Uint8Array(32).fill(0xb2);
export const KEY_A = `builder-a-1:${Buffer.from(KEY_A_BYTES).toString('base64')}`;
export const KEY_B = `builder-b-1:${Buffer.from(KEY_B_BYTES).toString('base64')}`;

/** Runs `fn`, which must throw, and returns the error's issues as "path: message" lines. */
export function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    const issues = (error as { issues?: { path: string; message: string }[] }).issues;
    if (issues === undefined) throw error;
    return issues.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('expected the config to be refused');
}
