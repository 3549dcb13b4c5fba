import { CHECK_CONFIG_USAGE, checkConfig } from './check-config.js';
import { configSchemaCommand } from './config-schema.js';
import { dev } from './dev.js';
import { devCert } from './dev-cert.js';
import { hashPassword } from './hash-password.js';
import { explain, EXPLAIN_USAGE } from './explain.js';
import { trace, TRACE_USAGE } from './trace.js';
import { expectations, EXPECTATIONS_USAGE } from './expectations.js';
import { queue, QUEUE_USAGE } from './queue.js';

import type { Command } from './run-command.js';

export type { Command };

/** Every `mailsort` command other than the four services, one entry each. */
export const COMMANDS: Record<string, Command> = {
  dev: {
    usage:
      'dev [--smtp-port 2525] [--sink-port 1025] [--ui-port 8025] [--console-port 8080] [--config FILE]\n      run the whole system locally: Redis, the four services, the console (its URL is printed) and a dev mail sink with a web page',
    run: dev,
  },
  'check-config': {
    usage: `${CHECK_CONFIG_USAGE}\n      validate a configuration (native or mail2alert) with the services' own loader, rule functions included; exit 1 on any problem.\n      --gocd-groups FILE also checks group names; --report prints who each GoCD pipeline and event notifies`,
    run: checkConfig,
  },
  'hash-password': {
    usage: 'hash-password [--cost 10]\n      print the bcrypt hash of a password read from stdin (or a prompt), for ingest.users[].password_hash',
    run: hashPassword,
  },
  'dev-cert': {
    usage: 'dev-cert [--out .mailsort-dev/tls] [--name localhost] [--days 365] [--force]\n      write a self-signed cert.pem and key.pem for ingest.tls (development only; uses openssl)',
    run: devCert,
  },
  explain: {
    usage: `${EXPLAIN_USAGE}\n      say which manager and rule would take a message, the event parsed and the recipients, without sending anything`,
    run: explain,
  },
  trace: {
    usage: `${TRACE_USAGE}\n      show where a message went: what each service recorded for it`,
    run: trace,
  },
  expectations: {
    usage: `${EXPECTATIONS_USAGE}\n      list each dead-man's switch (routing.expect) and each of its hosts: last seen, next due, state (ok, late, missing, failing)`,
    run: expectations,
  },
  'config-schema': {
    usage: 'config-schema\n      print the JSON Schema of the native configuration format (committed as docs/mailsort.schema.json)',
    run: configSchemaCommand,
  },
  queue: {
    usage: QUEUE_USAGE,
    run: queue,
  },
};
