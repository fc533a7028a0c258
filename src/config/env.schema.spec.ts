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
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      METRICS_PORT: '9464',
    });
    expect(envSchema.parse({ REDIS_WRITE_URL: 'redis://redis-0.redis-write:6379' }).REDIS_READ_URL).toBe('redis://redis-0.redis-write:6379');
  });

  it('accepts the Kubernetes values', () => {
    const env = { JOURNAL_ENTRIES: '25', REDIS_WRITE_URL: 'redis://redis-0.redis-write:6379', REDIS_READ_URL: 'rediss://redis:6379' };
    expect(envSchema.parse(env)).toMatchObject(env);
  });

  it.each(['abc', '0', '1.5', '101', ' 5', '5 ', '1e1', '0x10', ''])('names JOURNAL_ENTRIES=%j and what is wrong', (value) => {
    expect(issues({ JOURNAL_ENTRIES: value })).toEqual([`JOURNAL_ENTRIES: must be a whole number from 1 to 100, got ${JSON.stringify(value)}`]);
  });

  it.each(['http://x:1', 'redis://', 'localhost:6379', 'redis://:pw@h:1'])('rejects REDIS_WRITE_URL=%s', (value) => {
    const [issue] = issues({ REDIS_WRITE_URL: value })!;
    expect(issue).toMatch(/^REDIS_WRITE_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(issue).not.toContain(':pw@');
  });

  it.each([
    ['HOST', 'localhost', 'must be an IP address to listen on, like 0.0.0.0 (all interfaces) or 127.0.0.1 (this machine only), got "localhost"'],
    ['LOG_LEVEL', 'loud', 'must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['LOG_FORMAT', 'xml', 'must be one of json, pretty, got "xml"'],
    ['METRICS_PORT', '8080', 'must differ from PORT (both are 8080)'],
    ['METRICS_PORT', '0', 'must be a whole number from 1 to 65535, got "0"'],
    ['CORS_ORIGINS', 'https://a.example/', 'must be a comma-separated list of origins like https://journal.example (no path, no trailing slash), got "https://a.example/"'],
    ['CORS_ORIGINS', 'a.example', 'must be a comma-separated list of origins like https://journal.example (no path, no trailing slash), got "a.example"'],
    ['TRUST_PROXY', '0', 'must be a number of proxy hops from 1 to 10 or a comma-separated list of proxy IPs/CIDRs, got "0"'],
    ['TRUST_PROXY', '10.0.0.0/33', 'must be a number of proxy hops from 1 to 10 or a comma-separated list of proxy IPs/CIDRs, got "10.0.0.0/33"'],
    ['TRUST_PROXY', 'true', 'must be a number of proxy hops from 1 to 10 or a comma-separated list of proxy IPs/CIDRs, got "true"'],
    ['RATE_LIMIT_WRITES_PER_MINUTE', '0', 'must be a whole number from 1 to 100000, got "0"'],
  ])('names %s=%s and what is wrong', (name, value, problem) => {
    expect(issues({ [name]: value })).toEqual([`${name}: ${problem}`]);
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
    expect(envSchema.parse({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe('2');
  });
});
