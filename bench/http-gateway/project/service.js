// A hello http service in Node: a plain web server on $PORT.
require('http').createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('Hello, World!');
}).listen(Number(process.env.PORT), '127.0.0.1');
