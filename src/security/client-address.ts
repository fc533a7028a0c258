import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * Fastify's trustProxy from TRUST_PROXY: the proxies (IP addresses or CIDRs) whose X-Forwarded-For
 * is believed, walking it from the right while each hop is one of them. Unset: none, so the TCP
 * peer is the client and a client cannot pick its own address.
 */
export function trustedProxies(setting: string | undefined): false | string[] {
  return setting === undefined ? false : setting.split(',');
}

/**
 * The client's address when it is an IP address. Through a trusted proxy it comes from
 * X-Forwarded-For, which a client within TRUST_PROXY's ranges can fill with anything: such a value
 * is never a rate-limit key nor logged as an address (the request is refused, src/security).
 */
export function clientAddress(request: FastifyRequest): string | undefined {
  return isIP(request.ip) === 0 ? undefined : request.ip;
}
