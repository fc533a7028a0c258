import { describe, expect, it } from '@jest/globals';
import { credentialsInUrl, redactCredentials } from './url-credentials.js';

describe('credentialsInUrl and redactCredentials', () => {
  it.each([
    '/api/entries?access_token=abc&page=2',
    '/api/entries?page=2&ACCESS_TOKEN=abc',
    '/api/entries?access%5Ftoken=abc',
    '/api/entries?%61ccess_token=abc',
    '/api/entries?access%255Ftoken=abc',
    '/api/entries?access_token[]=abc',
    '/api/entries?access_token%5B%5D=abc',
    '/api/entries?access_token[0][x]=abc',
    '/api/entries;access_token=abc',
    '/api/entries?page=1;access_token=abc',
    '/api/entries?page=1%26access_token%3Dabc',
    '/api/entries?access_token+=abc',
    '/x?api_key=1',
    '/x?id_token=2',
    '/x?refresh_token=3',
    '/x?password=4',
    '/x?token=5',
  ])('finds the credential in %s and logs none of the query', (url) => {
    expect(credentialsInUrl(url)).toBe(true);
    const logged = redactCredentials(url);
    expect(logged).toMatch(/^(\/api\/entries|\/x)\?\[redacted\]$/);
  });

  it('logs nothing of a URL whose path hides a credential behind an encoded separator', () => {
    expect(redactCredentials('/api/entries%3Faccess_token=abc')).toBe('[redacted]');
    expect(redactCredentials('/api/entries%3Baccess_token%3Dabc?page=1')).toBe('[redacted]');
  });

  it('returns other URLs as they are', () => {
    for (const url of [
      '/api/entries',
      '/api/entries?page=2',
      '/api/entries?tokens=1&%zz=2',
      '/?',
      '/api/entries?token',
      '/api/x?my_token=1',
    ]) {
      expect(credentialsInUrl(url)).toBe(false);
      expect(redactCredentials(url)).toBe(url);
    }
  });
});
