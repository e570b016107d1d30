// The start-up baseline: `tsx` starting a node:http server that answers /healthz, nothing else.
// The app's start-up minus this is what its modules and its database cost.
import { createServer } from 'node:http';

createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')).listen(Number(process.env.PORT), '127.0.0.1');
