'use strict';

// Greets the name in the event, in ?name= (API gateway) or, for a timer, its Message.
exports.main_handler = async (event, context) => {
  const name = event.name || (event.queryString || {}).name || event.Message || 'world';
  // The integrated response of the API gateway; other triggers get the same JSON.
  return {
    isBase64Encoded: false,
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      message: `${process.env.GREETING || 'Hello'}, ${name}!`,
      requestId: context.request_id,
    }),
  };
};
