/**
 * Real Nix output, captured once with Debian's nix-bin (Nix 2.8.0) as root; tests never call nix.
 * Commands, run in /tmp/nixtest (N = "nix --extra-experimental-features nix-command"):
 *
 *   printf 'hello from tally\n' > hello.txt && nix-store --add hello.txt
 *     -> /nix/store/003wvnhikzwbp5z80c08l6bf6fgnkxrv-hello.txt
 *   nix-build fixture.nix --no-out-link --option sandbox false --option build-users-group ''
 *     -> /nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-tally-fixture
 *   nix-build fixture-self.nix --no-out-link --option sandbox false --option build-users-group ''
 *     -> /nix/store/vbimjw4v3q18i0jsk44d659xydl9dq3m-tally-self-ref   (references itself)
 *   nix-store --generate-binary-cache-key tally-test-1 sk pk      -> tally-test-1.{secret,public}
 *   $N store sign --key-file sk -r <self-ref> <hello.txt>
 *   $N copy --to file:///tmp/nixtest/cache <self-ref> <hello.txt>  -> *-xz.narinfo
 *   $N copy --to 'file:///tmp/nixtest/cache-none?compression=none' <self-ref> -> self-ref-none.narinfo
 *   $N path-info --json -r <tally-fixture> <hello.txt>             -> path-info-nix-2.8.json
 *   $N path-info --json <self-ref>                                 -> path-info-self-ref-nix-2.8.json
 *   $N path-info --json /nix/store/00000000000000000000000000000000-x -> path-info-invalid-nix-2.8.json
 *   nix-store -q --hash <tally-fixture>      -> sha256:0if0zn8lf1x5f608dfbzpz3cir9y5w11f6s6d4r3w6h974pp3b8c
 *   $N hash to-base16 sha256-DK1xLzkJGj4yaUYbFwIvPuXIxr9/uYaAcaUHR5H9wEU=
 *                                            -> 0cad712f39091a3e3269461b17022f3ee5c8c6bf7fb9868071a5074791fdc045
 *   nix-store --dump <hello.txt> | sha256sum -> 81295215f57ecee9a723c5f10e856605b92e8fda05822f23b4f1c040399b1c27
 *   $N hash to-base16 --type sha1 5pxwnfy9mj2r934xpja5pnpr7f7mf6kr -> 791a578f3bf9da5b94bc9d8c9485acc93bcbfb2d
 *   $N hash to-base16 --type sha1 vbimjw4v3q18i0jsk44d659xydl9dq3m -> 75e09668f33d15d308995a8288021e9b7059e3da
 *     (a store path hash part is the nix32 of 20 bytes, exactly like a sha1 digest)
 *   printf x > .dotfile && nix-store --add .dotfile -> /nix/store/lx5kmmr2f4fhqqi3mhvp9m3rnam1h9zq-.dotfile
 *   nix-store --add "a b"  -> error: ... contains illegal character ' '
 *   211 and 212 'n' names  -> 211 accepted, 212 "has a name longer than 211 characters"
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixtureText(name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

export const HELLO = '/nix/store/003wvnhikzwbp5z80c08l6bf6fgnkxrv-hello.txt';
export const FIXTURE = '/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-tally-fixture';
export const SELF_REF = '/nix/store/vbimjw4v3q18i0jsk44d659xydl9dq3m-tally-self-ref';
export const DEP = '/nix/store/cywnqllb02d26yylfhbxahcjgcvrgirh-tally-dep.txt';
export const DEP_BASE = 'cywnqllb02d26yylfhbxahcjgcvrgirh-tally-dep.txt';
export const SELF_REF_BASE = 'vbimjw4v3q18i0jsk44d659xydl9dq3m-tally-self-ref';
