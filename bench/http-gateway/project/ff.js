// The Functions Framework's hello world, unchanged: an http function in Nimbus, and the
// same file served by @google-cloud/functions-framework.
exports.hello = (req, res) => {
  res.send('Hello, World!');
};
