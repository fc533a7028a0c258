/**
 * The API's time budget towards Redis, in one place, and how the values depend on each other.
 *
 * - commandTimeoutMs: longest one command may take; a dead or hung Redis turns into a fast 503,
 *   never a hanging request.
 * - socketTimeoutMs: in Sentinel mode, a connection that gets no answer for this long is dropped (a
 *   hung Redis) and made anew through the Sentinels; above commandTimeoutMs, so one slow answer
 *   does not trip it. For as long, reads do not go first to a replica whose command timed out.
 * - readWaitMs: how long after its start a read may still start an attempt. Through a Sentinel
 *   failover both clients reconnect (the promoted replica drops its clients, the writer follows
 *   +switch-master, sometimes twice as the Sentinels learn it a second apart): measured up to ~1 s.
 *   With neither client back by then, the read is a 503 within 2 s; with attempts timing out, a
 *   read ends within readWaitMs + commandTimeoutMs (2.3 s).
 * - replicaWaitMs: longest one WAIT blocks the writer connection. A write that arrives during a
 *   WAIT waits for it and then for its own: confirmed or refused within 2 × replicaWaitMs (0.5 s).
 * - failoverHoldMs: how long a failover that started counts as under way when no +switch-master
 *   ends it: the failover-timeout the Sentinels are given (kustomize/components/sentinel/sentinel.sh).
 */
export const REDIS_TIMING = {
  commandTimeoutMs: 800,
  socketTimeoutMs: 1500,
  readWaitMs: 1500,
  replicaWaitMs: 250,
  failoverHoldMs: 10_000,
} as const;

/**
 * How the API keeps its view of the Sentinels (SentinelView), and why these numbers hold together.
 *
 * - A Sentinel that answers nothing for freshMs no longer counts; without a majority, writes are
 *   refused. Refusing starts at most freshMs + pollMs after a silent partition: under the 2 s the
 *   contract allows.
 * - freshMs must stay below the Sentinels' down-after (at least 1500 ms, sentinel.sh refuses less):
 *   a primary cut off from the Sentinels is failed over no sooner than down-after, and by then the
 *   API on its side has stopped acknowledging, so every write it acknowledged reached the replicas
 *   the Sentinels could promote.
 * - askTimeoutMs < freshMs: a Sentinel that answers slowly goes stale rather than hanging a poll.
 */
export const SENTINEL_TIMING = {
  pollMs: 250,
  askTimeoutMs: 400,
  freshMs: 1000,
  /** Start-up waits this long for a first agreement of the Sentinels before it goes on (writes refused until then). */
  startWaitMs: 2000,
} as const;
