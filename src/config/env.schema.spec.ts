import { describe, expect, it } from '@jest/globals';
import { envSchema } from './env.schema.js';

const issues = (env: Record<string, string>) => envSchema.safeParse(env).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('envSchema', () => {
  it('fills the documented defaults, with the read URL defaulting to the write URL', () => {
    expect(envSchema.parse({})).toEqual({
      PORT: '8080',
      HOST: '0.0.0.0',
      JOURNAL_ENTRIES: '10',
      REDIS_WRITE_URL: 'redis://127.0.0.1:6379',
      REDIS_READ_URL: 'redis://127.0.0.1:6379',
      REDIS_PASSWORD_FILE: '/etc/redis-passwd/passwd',
      REDIS_MIN_REPLICA_ACKS: '1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      METRICS_PORT: '9464',
      AUTH_TOKENS_FILE: '/etc/journal-auth/tokens',
      AUTH_FAILURES_PER_MINUTE: '20',
      READ_ACCESS: 'public',
    });
    expect(envSchema.parse({ REDIS_WRITE_URL: 'redis://redis-0.redis-write:6379' })).toMatchObject({
      REDIS_READ_URL: 'redis://redis-0.redis-write:6379',
    });
  });

  it('accepts the Kubernetes values', () => {
    const env = { JOURNAL_ENTRIES: '25', REDIS_WRITE_URL: 'redis://redis-0.redis-write:6379', REDIS_READ_URL: 'rediss://redis:6379' };
    expect(envSchema.parse(env)).toMatchObject(env);
  });

  it('accepts Sentinel mode, and leaves the URLs unset in it', () => {
    const env = envSchema.parse({ REDIS_SENTINELS: 'redis-0.redis-write:26379,redis-1.redis-write:26379', REDIS_MASTER_NAME: 'journal' });
    expect(env).toMatchObject({ REDIS_SENTINELS: 'redis-0.redis-write:26379,redis-1.redis-write:26379', REDIS_MASTER_NAME: 'journal' });
    expect(Object.keys(env)).not.toContain('REDIS_WRITE_URL');
    expect(Object.keys(env)).not.toContain('REDIS_READ_URL');
  });

  it.each([
    ['REDIS_WRITE_URL', 'redis://redis-0.redis-write:6379'],
    ['REDIS_READ_URL', 'redis://redis:6379'],
  ])('refuses REDIS_SENTINELS together with %s, naming both', (name, url) => {
    expect(issues({ REDIS_SENTINELS: 'a:26379', REDIS_MASTER_NAME: 'journal', [name]: url })).toEqual([
      'REDIS_SENTINELS: cannot be combined with REDIS_WRITE_URL or REDIS_READ_URL: set REDIS_SENTINELS and REDIS_MASTER_NAME (Sentinel mode) or the URLs, not both',
    ]);
  });

  it.each([[{ REDIS_SENTINELS: 'a:26379' }], [{ REDIS_MASTER_NAME: 'journal' }]])('refuses half of Sentinel mode: %j', (env) => {
    expect(issues(env)).toEqual([
      'REDIS_MASTER_NAME: REDIS_SENTINELS and REDIS_MASTER_NAME go together (Sentinel mode): set both or neither',
    ]);
  });

  it.each(['a', 'a:0', 'a:26379,', 'redis://a:26379', 'a:26379;b:26379'])('rejects REDIS_SENTINELS=%j', (value) => {
    expect(issues({ REDIS_SENTINELS: value, REDIS_MASTER_NAME: 'journal' })).toEqual([
      `REDIS_SENTINELS: must be a comma-separated list of host:port, got ${JSON.stringify(value)}`,
    ]);
  });

  it.each(['abc', '0', '1.5', '101', ' 5', '5 ', '1e1', '0x10', ''])('names JOURNAL_ENTRIES=%j and what is wrong', (value) => {
    expect(issues({ JOURNAL_ENTRIES: value })).toEqual([
      `JOURNAL_ENTRIES: must be a whole number from 1 to 100, got ${JSON.stringify(value)}`,
    ]);
  });

  it.each(['http://x:1', 'redis://', 'localhost:6379', 'redis://:pw@h:1'])('rejects REDIS_WRITE_URL=%s', (value) => {
    const [issue] = issues({ REDIS_WRITE_URL: value })!;
    expect(issue).toMatch(/^REDIS_WRITE_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(issue).not.toContain(':pw@');
  });

  it.each([
    [
      'HOST',
      'localhost',
      'must be an IP address to listen on, like 0.0.0.0 (all interfaces) or 127.0.0.1 (this machine only), got "localhost"',
    ],
    ['LOG_LEVEL', 'loud', 'must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['LOG_FORMAT', 'xml', 'must be one of json, pretty, got "xml"'],
    ['METRICS_PORT', '8080', 'must differ from PORT (both are 8080)'],
    ['METRICS_PORT', '0', 'must be a whole number from 1 to 65535, got "0"'],
    ['REDIS_MIN_REPLICA_ACKS', '-1', 'must be a whole number from 0 to 10, got "-1"'],
    ['REDIS_MIN_REPLICA_ACKS', 'all', 'must be a whole number from 0 to 10, got "all"'],
    [
      'CORS_ORIGINS',
      'https://a.example/',
      'must be a comma-separated list of origins like https://journal.example (no path, no trailing slash), got "https://a.example/"',
    ],
    [
      'CORS_ORIGINS',
      'a.example',
      'must be a comma-separated list of origins like https://journal.example (no path, no trailing slash), got "a.example"',
    ],
    [
      'TRUST_PROXY',
      '1',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "1"',
    ],
    [
      'TRUST_PROXY',
      '0',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "0"',
    ],
    [
      'TRUST_PROXY',
      '10.0.0.0/33',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "10.0.0.0/33"',
    ],
    [
      'TRUST_PROXY',
      'true',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "true"',
    ],
    [
      'TRUST_PROXY',
      '10.0.0.1,',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "10.0.0.1,"',
    ],
    [
      'TRUST_PROXY',
      '10.0.0.1, 10.0.0.2',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "10.0.0.1, 10.0.0.2"',
    ],
    [
      'TRUST_PROXY',
      'proxy.example',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "proxy.example"',
    ],
    [
      'TRUST_PROXY',
      '::1/129',
      'must be a comma-separated list of the proxies\' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got "::1/129"',
    ],
    ['RATE_LIMIT_WRITES_PER_MINUTE', '0', 'must be a whole number from 1 to 100000, got "0"'],
    ['AUTH_MODE', 'oidc', 'must be off or token, got "oidc"'],
    ['AUTH_ADMINS', 'alice,', 'must be a comma-separated list of names of 1-64 letters, digits or . _ @ -, got "alice,"'],
    ['AUTH_ADMINS', 'al ice', 'must be a comma-separated list of names of 1-64 letters, digits or . _ @ -, got "al ice"'],
    ['AUTH_FAILURES_PER_MINUTE', '0', 'must be a whole number from 1 to 100000, got "0"'],
    ['READ_ACCESS', 'private', 'must be one of public, signed-in, got "private"'],
  ])('names %s=%s and what is wrong', (name, value, problem) => {
    expect(issues({ [name]: value })).toEqual([`${name}: ${problem}`]);
  });

  it('refuses to start in production without AUTH_MODE, naming it; off or token are both fine there', () => {
    expect(issues({ NODE_ENV: 'production' })).toEqual([
      'AUTH_MODE: must be set (token, or off to let anyone write) when NODE_ENV=production',
    ]);
    expect(issues({ NODE_ENV: 'production', AUTH_MODE: 'off' })).toBeUndefined();
    expect(issues({ NODE_ENV: 'production', AUTH_MODE: 'token', AUTH_ADMINS: 'alice,ops@example.com' })).toBeUndefined();
  });

  it('takes READ_ACCESS=signed-in only with AUTH_MODE=token, naming READ_ACCESS otherwise', () => {
    expect(issues({ AUTH_MODE: 'token', READ_ACCESS: 'signed-in' })).toBeUndefined();
    for (const env of [{ READ_ACCESS: 'signed-in' }, { AUTH_MODE: 'off', READ_ACCESS: 'signed-in' }] as Record<string, string>[]) {
      expect(issues(env)).toEqual(['READ_ACCESS: signed-in needs AUTH_MODE=token (without tokens nobody could sign in to read)']);
    }
  });

  it('accepts the operability settings in their documented forms', () => {
    const env = {
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      METRICS_PORT: '9100',
      HOST: '::1',
      CORS_ORIGINS: 'https://journal.example,http://localhost:8000',
      TRUST_PROXY: '10.0.0.0/8,fd00::/8,192.168.1.1',
      RATE_LIMIT_WRITES_PER_MINUTE: '60',
    };
    expect(envSchema.parse(env)).toMatchObject(env);
  });
});
