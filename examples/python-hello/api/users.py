import json
import os

USERS = {"1": {"id": "1", "name": "Ada Lovelace"}, "2": {"id": "2", "name": "Alan Turing"}}


def get_user(event, context):
    user_id = (event.get("pathParameters") or {}).get("id")
    user = USERS.get(user_id)
    if user is None:
        return {"statusCode": 404, "body": json.dumps({"error": f"no user {user_id}"})}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({**user, "table": os.environ["TABLE_NAME"]}),
    }
