'use strict';

let invocations = 0; // module state survives between warm invocations

exports.hello = async (event) => {
  invocations += 1;
  const name = event.name || (event.queryStringParameters || {}).name || 'world';
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `${process.env.GREETING}, ${name}!`, invocations }),
  };
};

// Callback style, as older Lambda handlers are written.
exports.echo = (event, context, callback) => {
  callback(null, { statusCode: 200, body: event.body || '' });
};
