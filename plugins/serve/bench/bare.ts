// The ceiling for `npm run bench:serve`: a bare Fastify 5 server that parses the JSON body and answers a
// constant, with no model, validation, auth or logging. dagrun serve cannot be faster than this on the
// same machine, so "ours / bare" says how much of Fastify's own speed the prediction path keeps.
//
//   node --import tsx plugins/serve/bench/bare.ts [PORT]      # or env PORT; listens on 127.0.0.1

import Fastify from 'fastify';

const port = Number(process.argv[2] ?? process.env['PORT']);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(
    'bare.ts: give the port as the first argument or env PORT (got ' +
      `${JSON.stringify(process.argv[2] ?? process.env['PORT'])})`,
  );
  process.exit(2);
}

const app = Fastify({ logger: false });
const PREDICTION = { prediction: [1] };

app.get('/health', async () => ({ status: 'ok' }));
app.post('/predict', async () => PREDICTION);

// The harness stops servers with SIGTERM; close so in-flight requests finish and the port is freed.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));

await app.listen({ port, host: '127.0.0.1' });
