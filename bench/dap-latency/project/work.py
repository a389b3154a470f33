# The benchmark's functions: a loop to step through, and CPU-bound work.
import helper


def steps(event, context):
    total = 0
    for i in range(1000):
        total += i
        total -= 1
    return total


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def cpu(event, context):
    s = 0
    for i in range(300000):
        s += i * i % 7
    return {"fib": fib(event.get("n", 22)), "s": s, "sorted": len(sorted(str(i) for i in range(50000)))}
