// EXPERIMENT, not product code: loaded into ingest with `bench/run.sh --ingest-import
// bench/experiments/no-greeting-delay.mjs` to measure what smtp-server's fixed 100 ms
// "early talker" pause before the greeting costs (smtp-connection.js init(); no option turns
// it off). Greets on the next tick instead, keeping the connection-limit check.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../../services/ingest/package.json', import.meta.url));
const root = dirname(require.resolve('smtp-server/package.json'));
const { SMTPConnection } = await import(pathToFileURL(join(root, 'dist/esm/smtp-connection.js')).href);

SMTPConnection.prototype.init = function init() {
  this._setListeners(() => {
    if (this._server.options.maxClients && this._server.connections.size > this._server.options.maxClients) {
      return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
    }
    setImmediate(() => this.connectionReady());
  });
};
