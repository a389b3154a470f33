# A hello event function behind an httpApi route, in Python.
def hello(event, context):
    return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "Hello, World!"}
