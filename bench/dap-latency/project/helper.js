'use strict';
// A file the CPU-bound work never runs: its breakpoint must cost nothing.
exports.unused = 0;
exports.never = () => {
  return 'never called';
};
