'use strict';

// GET /hello?name=Ada -> 'Hello, Ada!'; POST JSON {"name": ...} -> a JSON greeting.
exports.hello = (req, res) => {
  if (req.method === 'POST') {
    res.json({ message: `Hello, ${(req.body && req.body.name) || 'world'}!` });
    return;
  }
  res.set('content-type', 'text/plain');
  res.status(200).send(`Hello, ${req.query.name || 'world'}!\n`);
};
