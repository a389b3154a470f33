// The same handler called in a bare loop: the floor the simulator's overhead is measured against.
const { hello } = require(require('path').join(process.argv[2], 'handler.js'));
(async () => {
  const n = Number(process.argv[3]);
  const samples = [];
  for (let i = 0; i < n; i++) {
    const payload = JSON.stringify({ n: i });
    const start = process.hrtime.bigint();
    JSON.stringify(await hello(JSON.parse(payload), { awsRequestId: 'bench' }));
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(JSON.stringify(samples));
})();
