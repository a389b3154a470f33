// A Node http function for tst_gateway, written for the Google Functions Framework.
exports.main = (req, res) => {
  switch (req.path) {
    case '/json':
      return res.json({ method: req.method, path: req.path, query: req.query, body: req.body,
        header: req.get('X-Test'), baseUrl: req.baseUrl });
    case '/bytes':
      return res.status(201).set('X-Len', String(req.rawBody.length)).type('application/octet-stream').send(req.rawBody);
    case '/later':
      setTimeout(() => res.status(202).send('later'), 50);
      return undefined;
    case '/cookies':
      res.cookie('a', '1');
      res.cookie('b', '2');
      return res.redirect('/node/json');
    case '/fail':
      throw new Error('node web failure');
    case '/reject':
      return Promise.reject(new Error('async node failure'));
    default:
      return res.send(`hello ${req.query.name || 'world'}`);
  }
};
