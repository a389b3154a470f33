'use strict';
// A Node function for the debugger's conformance tests (see ../conformance.js for the lines).
let calls = 0;

function total(items) {
  let sum = 0;
  for (const item of items) {
    sum += item.qty * item.unit;
  }
  return sum;
}

exports.hello = async (event) => {
  let greeting = 'hello';
  const name = event.name || 'world';
  const order = event.order;
  const tags = new Map([['a', 1], ['b', 2]]);
  const seen = new Set(['x']);
  const sum = total(order.items);
  calls += 1;
  console.log(`total is ${sum}`);
  return { message: `${greeting} ${name}`, total: sum, calls, tags: tags.size, seen: seen.size };
};

exports.fail = async () => {
  const order = { id: 7 };
  throw new TypeError(`bad order ${order.id}`);
};

exports.crash = async () => {
  process.exit(3); // the instance dies mid-invocation
};

exports.spin = async () => {
  console.log('spinning');
  let n = 0;
  for (;;) n += 1; // busy until paused or terminated
};
