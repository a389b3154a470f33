// A Node http function for tst_gateway, written for the Google Functions Framework.
let inFlight = 0;
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
    case '/together': {
      // Waits until n requests are in the handler at once (or 5 s), so that it answers n
      // only when one instance took them together; each logs its tag.
      const n = Number(req.query.n);
      inFlight++;
      console.log(`together ${req.query.tag}`);
      const started = Date.now();
      const check = () => {
        if (inFlight >= n || Date.now() - started > 5000) {
          const seen = inFlight;
          setTimeout(() => { inFlight--; res.json({ seen, pid: process.pid, tag: req.query.tag }); }, 20);
        } else setTimeout(check, 5);
      };
      return check();
    }
    case '/fail':
      throw new Error('node web failure');
    case '/reject':
      return Promise.reject(new Error('async node failure'));
    default:
      return res.send(`hello ${req.query.name || 'world'}`);
  }
};
