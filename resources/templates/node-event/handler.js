'use strict';

// Returns a greeting for the name in the event (or in ?name= when called over HTTP).
exports.hello = async (event, context) => {
  const name = event.name || (event.queryStringParameters || {}).name || 'world';
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: `${process.env.GREETING || 'Hello'}, ${name}!`,
      requestId: context.awsRequestId,
    }),
  };
};
