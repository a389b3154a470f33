exports.hello = async (event) => ({ message: 'hello', n: event.n || 0 });
