// An ES module handler.
const ITEMS = ['apple', 'banana', 'cherry'];

export async function list(event) {
  const prefix = (event.pathParameters && event.pathParameters.proxy) || '';
  return { statusCode: 200, body: JSON.stringify(ITEMS.filter((item) => item.startsWith(prefix))) };
}
