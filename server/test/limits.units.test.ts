import { describe, expect, it } from 'vitest';
import { durationInWords } from '../src/lib/duration.js';
import { clientAddressKey } from '../src/plugins/limits.js';

describe('clientAddressKey', () => {
  it('keys IPv4 by address, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    const a = clientAddressKey('2001:db8:1:2:aaaa::1');
    expect(a).toBe('2001:db8:1:2::/64');
    // One subscriber's /64 is one bucket, however the address is written.
    expect(clientAddressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(a);
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(a);
    expect(clientAddressKey('::1')).toBe('::/64');
  });
});

describe('durationInWords', () => {
  it('says durations as people do', () => {
    expect(durationInWords(0)).toBe('1 second');
    expect(durationInWords(600)).toBe('1 second');
    expect(durationInWords(42_000)).toBe('42 seconds');
    expect(durationInWords(160_000)).toBe('3 minutes');
  });
});
