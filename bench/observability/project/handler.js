exports.hello = async (event) => ({ message: 'hello', n: event.n || 0 });

function checksum(count) {
    let total = 0;
    for (let i = 0; i < count; i++) total = (total * 31 + i * (i % 7)) % 1000003;
    return total;
}

// About 10 ms of JavaScript work, in a function of its own.
exports.busy = async () => ({ sum: checksum(4000000) });
