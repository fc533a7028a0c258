import { journalConfig } from '../../src/config/journal.config.js';
import { redisConfig } from '../../src/config/redis.config.js';
import { serverConfig } from '../../src/config/server.config.js';
import { createRedisClient } from '../../src/redis/redis-client.factory.js';
import { createBaseline } from './server.js';

// The API's environment contract, read by the API's own config namespaces.
const { port } = serverConfig();
const config = journalConfig();
const redis = redisConfig();

const server = createBaseline({
  writer: createRedisClient('writer', redis.writer, redis.password),
  reader: createRedisClient('reader', redis.reader, redis.password),
  config,
  redisConfig: redis,
});
server.listen(port, '0.0.0.0', () => console.log(`baseline listening on port ${port}`));
// A clean exit 0 on SIGTERM (as the API does), so `node --cpu-prof` can write its profile.
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
