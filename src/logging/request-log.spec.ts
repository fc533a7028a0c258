import { describe, expect, it } from '@jest/globals';
import { redactCredentials } from './request-log.js';

describe('redactCredentials', () => {
  it('replaces the values of credential parameters, names compared decoded and in any case', () => {
    expect(redactCredentials('/api/entries?access_token=abc&page=2')).toBe('/api/entries?access_token=[redacted]&page=2');
    expect(redactCredentials('/api/entries?page=2&ACCESS%5Ftoken=abc&token')).toBe(
      '/api/entries?page=2&ACCESS%5Ftoken=[redacted]&token=[redacted]',
    );
    expect(redactCredentials('/x?api_key=1&id_token=2&refresh_token=3&password=4')).toBe(
      '/x?api_key=[redacted]&id_token=[redacted]&refresh_token=[redacted]&password=[redacted]',
    );
  });

  it('returns other URLs as they are', () => {
    for (const url of ['/api/entries', '/api/entries?page=2', '/api/entries?tokens=1&%zz=2', '/?'])
      expect(redactCredentials(url)).toBe(url);
  });
});
