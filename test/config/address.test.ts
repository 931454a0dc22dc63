import { describe, expect, test } from 'vitest';
import { formatHostPort, parseHostPort } from '../../src/config/address.js';

describe('parseHostPort', () => {
  test.each([
    ['127.0.0.1:9002', { host: '127.0.0.1', port: 9002 }],
    ['builder-a.example.org:1', { host: 'builder-a.example.org', port: 1 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
    ['[::1]:9001', { host: '::1', port: 9001 }],
    ['[fe80::1:2]:443', { host: 'fe80::1:2', port: 443 }],
  ])('accepts %s', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  test.each([
    ['9002', /expected "host:port"/],
    [':9002', /missing host/],
    ['::1:9002', /IPv6 hosts need brackets/],
    ['[not-v6]:9002', /not an IPv6 address/],
    ['host:0', /port must be a number in 1\.\.65535, got "0"/],
    ['host:65536', /got "65536"/],
    ['host:', /got ""/],
    ['host:90a', /got "90a"/],
    ['host:+80', /got "\+80"/],
    ['bad_host!:80', /neither an IP address nor a host name/],
    ['-lead.example:80', /neither an IP address nor a host name/],
  ])('refuses %s', (text, reason) => {
    const parsed = parseHostPort(text);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(reason);
  });
});

describe('port 0', () => {
  test('is refused unless the caller is a listener', () => {
    expect(parseHostPort('127.0.0.1:0')).toEqual({ error: 'port must be a number in 1..65535, got "0"' });
    expect(parseHostPort('127.0.0.1:0', { allowPortZero: true })).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseHostPort('h:65536', { allowPortZero: true })).toEqual({
      error: 'port must be a number in 0..65535, got "65536"',
    });
  });
});

describe('formatHostPort', () => {
  test('brackets IPv6 hosts only', () => {
    expect(formatHostPort({ host: '::1', port: 9002 })).toBe('[::1]:9002');
    expect(formatHostPort({ host: '10.0.0.5', port: 9002 })).toBe('10.0.0.5:9002');
    expect(formatHostPort({ host: 'cache.example', port: 80 })).toBe('cache.example:80');
  });
});
