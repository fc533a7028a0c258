import { ENTRY_KEY, ENTRY_WORDS_KEY, PUBLIC_KEY, TIMELINE_KEY } from '../../src/journal/journal.store.js';

/** One Redis node: a RedisNode, or a pod of a RedisCluster (RedisCluster.node). */
interface Node {
  command(name: string, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * Entries written to or read from one Redis node directly, in the store's data model, bypassing the
 * API (and its WAIT): the tests that need a node to hold what another lacks.
 */
export const storedEntries = {
  /** Stores `json` (not checked: unreadable entries are a case too) as the public entry `id`, newest of all. */
  put: async (node: Node, id: string, json: string): Promise<void> => {
    const at = Date.now() + 365 * 24 * 3600_000;
    await node.command('HSET', ENTRY_KEY, id, json);
    await node.command('ZADD', TIMELINE_KEY, at, id);
    await node.command('ZADD', PUBLIC_KEY, at, id);
  },
  remove: async (node: Node, id: string): Promise<void> => {
    await node.command('HDEL', ENTRY_KEY, id);
    await node.command('ZREM', TIMELINE_KEY, id);
    await node.command('ZREM', PUBLIC_KEY, id);
    await node.command('HDEL', ENTRY_WORDS_KEY, id);
  },
  get: async (node: Node, id: string): Promise<string | null> => (await node.command('HGET', ENTRY_KEY, id)) as string | null,
  ids: async (node: Node): Promise<string[]> => (await node.command('HKEYS', ENTRY_KEY)) as string[],
  /** Every entry: id → its JSON as stored. */
  all: async (node: Node): Promise<Map<string, string>> => {
    const flat = (await node.command('HGETALL', ENTRY_KEY)) as string[];
    return new Map(flat.flatMap((value, i) => (i % 2 ? [] : [[value, flat[i + 1]!] as [string, string]])));
  },
  count: async (node: Node): Promise<number> => Number(await node.command('HLEN', ENTRY_KEY)),
};
