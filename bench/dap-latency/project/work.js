'use strict';
// The benchmark's Node functions: a loop to step through, and CPU-bound work.
const helper = require('./helper');

exports.steps = async () => {
  let total = 0;
  for (let i = 0; i < 1000; i++) {
    total += i;
    total -= 1;
  }
  return total;
};

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

exports.cpu = async (event) => {
  let s = 0;
  for (let i = 0; i < 3000000; i++) s += (i * i) % 7;
  const words = [];
  for (let i = 0; i < 200000; i++) words.push(String(i));
  words.sort();
  return { fib: fib((event && event.n) || 27), s, sorted: words.length, h: helper.unused };
};
