/**
 * A logged value for people: as text when it is printable ASCII (plus tab, LF and CR), which Nix
 * values are, else as base64, said so.
 */
export function valueText(value: Buffer): string {
  // eslint-disable-next-line no-control-regex
  const printable = /^[\x09\x0a\x0d\x20-\x7e]*$/.test(value.toString('latin1'));
  return printable ? value.toString('utf8').replace(/\n$/, '') : `value (base64) ${value.toString('base64')}`;
}
