import { TrustedProxies, normaliseAddress } from '../src/common/client-ip';

/** The client's address from the TCP peer and X-Forwarded-For (the HTTP side: login-throttle.test.ts, auth.test.ts). */
describe('client address', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1']);

  test('the forms a peer or a proxy writes', () => {
    expect(normaliseAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress(' 203.0.113.9:8080 ')).toBe('203.0.113.9');
    expect(normaliseAddress('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(normaliseAddress('fe80::1%eth0')).toBe('fe80::1');
    for (const bad of ['', 'unknown', '999.1.1.1', '1.2.3', 'example.com', '_hidden']) expect(normaliseAddress(bad)).toBeNull();
  });

  test('without trusted proxies the header is ignored', () => {
    expect(new TrustedProxies([]).clientAddress('10.1.1.1', '203.0.113.9')).toBe('10.1.1.1');
  });

  test('a peer that is not a trusted proxy is the client, whatever it claims', () => {
    expect(proxies.clientAddress('203.0.113.66', '10.1.1.1, 192.168.1.10')).toBe('203.0.113.66');
  });

  test('from the right, the first hop no trusted proxy vouches for', () => {
    expect(proxies.clientAddress('10.0.0.5', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(proxies.clientAddress('::ffff:10.0.0.5', '1.1.1.1, 203.0.113.9, 192.168.1.10')).toBe('203.0.113.9');
    expect(proxies.clientAddress('::1', '2001:db8::7, fd00::2')).toBe('2001:db8::7');
    // Only trusted hops: the client is the first proxy (e.g. a health check from inside).
    expect(proxies.clientAddress('10.0.0.5', '10.0.0.6')).toBe('10.0.0.6');
    expect(proxies.clientAddress('10.0.0.5', 'garbage, 10.0.0.6')).toBe('10.0.0.6');
    // 192.168.1.10 is trusted, 192.168.1.11 is not.
    expect(proxies.clientAddress('10.0.0.5', '203.0.113.9, 192.168.1.11')).toBe('192.168.1.11');
  });

  test('an overlong header is read only over its last hops', () => {
    const hops = Array.from({ length: 100 }, () => '10.9.9.9').join(', ');
    expect(proxies.clientAddress('10.0.0.5', `203.0.113.1, ${hops}`)).toBe('10.9.9.9');
  });

  test('entries that are not addresses or ranges are refused', () => {
    expect(() => new TrustedProxies(['10.0.0.0/33'])).toThrow(/TRUSTED_PROXIES/);
    expect(() => new TrustedProxies(['proxy.local'])).toThrow(/TRUSTED_PROXIES/);
  });
});
