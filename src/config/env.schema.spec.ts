import { describe, expect, it } from '@jest/globals';
import { envSchema } from './env.schema.js';

const issues = (env: Record<string, string>) => envSchema.safeParse(env).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('envSchema', () => {
  it('fills the documented defaults, with the read URL defaulting to the write URL', () => {
    expect(envSchema.parse({})).toEqual({
      PORT: '8080',
      JOURNAL_ENTRIES: '10',
      REDIS_WRITE_URL: 'redis://127.0.0.1:6379',
      REDIS_READ_URL: 'redis://127.0.0.1:6379',
      REDIS_PASSWORD_FILE: '/etc/redis-passwd/passwd',
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
});
