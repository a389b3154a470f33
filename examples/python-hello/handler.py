import json
import os

invocations = 0  # module state survives between warm invocations


def hello(event, context):
    global invocations
    invocations += 1
    params = event.get("queryStringParameters") or {}
    name = event.get("name") or params.get("name") or "world"
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({
            "message": f"Hello, {name}!",
            "stage": os.environ.get("STAGE"),
            "invocations": invocations,
        }),
    }


def fail(event, context):
    raise ValueError("this function always fails")


def nightly(event, context):
    print("nightly job ran for", os.environ.get("TABLE_NAME"))
    return {"ok": True}
