import json
import os


def hello(event, context):
    """Return a greeting for the name in the event (or in ?name= when called over HTTP)."""
    params = event.get("queryStringParameters") or {}
    name = event.get("name") or params.get("name") or "world"
    body = {
        "message": f"{os.environ.get('GREETING', 'Hello')}, {name}!",
        "requestId": context.aws_request_id,
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
