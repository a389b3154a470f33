'use strict';

// An ordinary web server on port 9000, as SCF web functions listen.
const http = require('http');

http
  .createServer((req, res) => {
    const body = JSON.stringify({
      message: `${process.env.GREETING || 'Hello'} from a web function`,
      path: req.url,
      requestId: req.headers['x-scf-request-id'] || null,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  })
  .listen(9000, () => console.log('listening on 9000'));
