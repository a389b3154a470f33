'use strict';
// A Node http function for the debugger's attach test: (req, res) as the Functions
// Framework writes them.
exports.page = (req, res) => {
  const who = req.query.who || 'nobody';
  res.send(`node page for ${who}`);
};
