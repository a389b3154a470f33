import json
import os


def main_handler(event, context):
    """Greet the name in the event, in ?name= (API gateway) or, for a timer, its Message."""
    params = event.get("queryString") or {}
    name = event.get("name") or params.get("name") or event.get("Message") or "world"
    body = {
        "message": f"{os.environ.get('GREETING', 'Hello')}, {name}!",
        "requestId": context.request_id,
    }
    # The integrated response of the API gateway; other triggers get the same JSON.
    return {
        "isBase64Encoded": False,
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
