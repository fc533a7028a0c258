// Slow clients against the built API with its real limits (no setting shortens them): a request
// whose headers or body trickle in is cut off with a 408 within 35 s of its start, and an idle
// kept-alive connection is closed after 72 s. About 75 s, spent waiting in parallel.
import { describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { useJournal } from '../support/journal.js';

const journal = useJournal();

interface Outcome {
  /** Milliseconds from the first byte sent to the server closing the connection. */
  closedAfterMs: number;
  response: string;
}

/** Sends `head` at once, then one byte of `drip` every 10 s (as the attack did), until the server closes the connection. */
function trickle(port: number, head: string, drip = ''): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let response = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < drip.length && socket.writable) socket.write(drip[sent++]!);
    }, 10_000);
    socket.on('data', (chunk) => (response += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, response });
    });
    socket.write(head);
  });
}

function expect408(outcome: Outcome): void {
  expect(outcome.response).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(outcome.response).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
  const body = JSON.parse(outcome.response.split('\r\n\r\n')[1]!);
  expect(body).toMatchObject({ status: 408, detail: 'the request took too long to arrive' });
  expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(30_000);
  expect(outcome.closedAfterMs).toBeLessThan(35_000);
}

describe('slow clients', () => {
  it('headers or a body trickling in: 408 problem+json 30-35 s after the start; an idle kept-alive connection closes after 72 s', async () => {
    const port = journal.api.port;
    const body = JSON.stringify({ text: 'one byte every ten seconds' });
    const [slowHeaders, slowBody, idle] = await Promise.all([
      trickle(port, 'POST /api/entries HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1234567890'),
      trickle(
        port,
        `POST /api/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
      ),
      trickle(port, 'GET /healthz/live HTTP/1.1\r\nHost: x\r\n\r\n'),
    ]);
    expect408(slowHeaders);
    expect408(slowBody);
    expect(idle.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(idle.closedAfterMs).toBeGreaterThanOrEqual(72_000);
    expect(idle.closedAfterMs).toBeLessThan(75_000);
    // Nothing half-sent was stored.
    expect((await fetch(`${journal.api.url}/api/entries`).then((r) => r.json())).total).toBe(0);
  }, 90_000);
});
