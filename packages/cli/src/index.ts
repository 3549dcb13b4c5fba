export { createDevSink, type SunkMessage } from './dev/dev-sink.js';
export { freePort, redisAnswers, startLocalRedis } from './dev/local-redis.js';
export { cliCommand } from './commands/cli-command.js';
export { writeDevCert } from './commands/dev-cert.js';
