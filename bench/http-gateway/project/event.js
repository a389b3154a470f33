// A hello event function behind an httpApi route: under Nimbus and under serverless-offline.
exports.hello = async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'Hello, World!' });
