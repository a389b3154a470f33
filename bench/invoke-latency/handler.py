def hello(event, context):
    return {"message": "hello", "n": event.get("n", 0)}
