def hello(event, context):
    return {"message": "hello", "n": event.get("n", 0)}


def checksum(data):
    total = 0
    for i, value in enumerate(data):
        total = (total * 31 + value * i) % 1000003
    return total


def busy(event, context):
    # About 10 ms of pure Python work, in a function of its own.
    return {"sum": checksum(range(40000))}
