import { describe, expect, it } from '@jest/globals';
import { replicaToRead, type ListedReplica } from './redis-client.factory.js';

const replica = (port: string, link?: string): ListedReplica => ({ ip: '10.0.0.1', port, ...(link ? { 'master-link-status': link } : {}) });

describe('replicaToRead', () => {
  it('reads from a replica whose link to the primary is up, never from one whose link is not known up', () => {
    // After a failover: the old primary (hung, no link known) listed beside a linked replica.
    const listed = [replica('6379', 'err'), replica('6380', 'ok'), replica('6381')];
    for (let i = 0; i < 50; i++) expect(replicaToRead(listed)?.port).toBe('6380');
  });

  it('spreads readers over the linked replicas', () => {
    const listed = [replica('6379', 'ok'), replica('6380', 'ok')];
    const chosen = new Set(Array.from({ length: 100 }, () => replicaToRead(listed)?.port));
    expect(chosen).toEqual(new Set(['6379', '6380']));
  });

  it('takes any listed replica when no link is known up, and none when none is listed', () => {
    const listed = [replica('6379', 'err'), replica('6380')];
    const chosen = new Set(Array.from({ length: 100 }, () => replicaToRead(listed)?.port));
    expect(chosen).toEqual(new Set(['6379', '6380']));
    expect(replicaToRead([])).toBeNull();
  });
});
