const DASH = 0x2d;

/**
 * The package name of a store-path name: the name without its version, by Nix's own rule
 * (`DrvName`): the version starts after the first dash that is not followed by a letter.
 * "hello-2.12.1" → "hello", "python3.11-requests-2.31.0" → "python3.11-requests"; a name with
 * no such dash ("hello") is its own package name.
 */
export function packageName(storePathName: string): string {
  for (let i = 0; i < storePathName.length - 1; i++) {
    if (storePathName.charCodeAt(i) !== DASH) continue;
    const next = storePathName.charCodeAt(i + 1) | 0x20; // lower case, for letters
    if (next < 0x61 || next > 0x7a) return storePathName.slice(0, i);
  }
  return storePathName;
}
