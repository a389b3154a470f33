'use strict';

// A small web server that listens on $PORT, as the gateway expects.
const http = require('http');

const port = Number(process.env.PORT || 8080);

http
  .createServer((req, res) => {
    const payload = req.url === '/healthz'
      ? { status: 'ok' }
      : { message: 'Hello from the node-service', path: req.url };
    const body = JSON.stringify(payload);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  })
  .listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
