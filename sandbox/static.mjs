// A static file server for the demo page and the browser tests: loopback only,
// no directory listing, nothing outside the roots it is given. It compresses
// what a real host would (gzip, as every CDN does), so page-weight measurements
// see the bytes a buyer's phone would download.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg']);
const gzipped = new Map(); // file → { mtimeMs, body }

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * `mounts`: URL prefix → directory, e.g. { '/': 'www', '/pkg/': 'pkg' }. Longest prefix wins.
 * `links`: URL path → a `Link` header for that page (preload hints a host sends with it).
 */
export function serveStatic({ mounts, port = 8080, host = '127.0.0.1', headers = {}, links = {} }) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const prefix = prefixes.find((p) => path.startsWith(p));
      if (!prefix || req.method !== 'GET') throw Object.assign(new Error('not found'), { status: 404 });
      const root = normalize(mounts[prefix]);
      let file = normalize(join(root, path.slice(prefix.length)));
      if (file !== root && !file.startsWith(root + sep)) throw Object.assign(new Error('outside'), { status: 403 });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const type = {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        vary: 'accept-encoding',
        ...(links[path] ? { link: links[path] } : {}),
      };
      if (COMPRESSIBLE.has(extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        const { mtimeMs } = await stat(file);
        let hit = gzipped.get(file);
        if (hit?.mtimeMs !== mtimeMs) gzipped.set(file, (hit = { mtimeMs, body: gzipSync(await readFile(file), { level: 9 }) }));
        res.writeHead(200, { ...type, 'content-encoding': 'gzip', ...headers });
        res.end(hit.body);
        return;
      }
      res.writeHead(200, { ...type, ...headers });
      res.end(await readFile(file));
    } catch (e) {
      res.writeHead(e.status ?? 404, { 'content-type': 'text/plain' });
      res.end(e.status === 403 ? 'forbidden' : 'not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
