/** Injection tokens: the primary (all writes) and the replicas' service (reads). */
export const REDIS_WRITER = Symbol('REDIS_WRITER');
export const REDIS_READER = Symbol('REDIS_READER');
