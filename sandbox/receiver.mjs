// `make demo`'s stand-in for a shop's backend: receives the fulfilment webhook,
// verifies its signature with the package's own verifier, and prints the event.
import { createServer } from 'node:http';
import { verifyFulfilmentWebhook, SIGNATURE_HEADER } from '../pkg/webhook.js';

export async function startReceiver({ port = 8789, host = '127.0.0.1', secret, log = console.log }) {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const e = await verifyFulfilmentWebhook(body, req.headers[SIGNATURE_HEADER.toLowerCase()], secret);
      log(`  webhook  ${e.eventId}: ${e.merchantOrderId} paid ${e.amount} ${e.currency} via ${e.gateway} (signature verified)`);
      res.writeHead(204).end();
    } catch (err) {
      log(`  webhook  refused: ${err.code ?? err.message}`);
      res.writeHead(400).end();
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { url: `http://${host}:${port}`, close: () => new Promise((r) => server.close(r)) };
}
