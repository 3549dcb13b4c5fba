import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const dir = new URL('../public/', import.meta.url);
// A Map: a name like __proto__ or constructor is just not found.
const ASSETS = new Map<string, { type: string; body: Buffer }>(
  Object.entries({
    'console.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('console.css', dir)) },
    'console.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('console.js', dir)) },
  }),
);

/** The page's only stylesheet and script, served from the package (no CDN, no build step). */
export function assetRoutes(app: FastifyInstance): void {
  app.get('/assets/:name', async (request, reply) => {
    const asset = ASSETS.get((request.params as { name: string }).name);
    if (!asset) return reply.code(404).type('text/plain').send('not found\n');
    return reply.type(asset.type).header('cache-control', 'max-age=300').send(asset.body);
  });
}
