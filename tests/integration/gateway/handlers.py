# Event handlers behind API Gateway routes, for tst_gateway.
import base64
import json
import time


def echo(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps(event)}


def shortcut(event, context):
    return {"plain": True, "path": event["rawPath"]}


def binary(event, context):
    body = event["body"] if event["isBase64Encoded"] else base64.b64encode(event["body"].encode()).decode()
    return {"statusCode": 200, "headers": {"content-type": "application/octet-stream",
                                           "x-arrived-base64": str(event["isBase64Encoded"])},
            "body": body, "isBase64Encoded": True}


def cookies(event, context):
    return {"statusCode": 200, "cookies": ["a=1", "b=2"], "body": "ok"}


def legacy(event, context):
    return {"statusCode": 201, "headers": {"X-Single": "1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "made"}


def fail(event, context):
    raise ValueError("boom from the handler")


def pause(event, context):
    # ?mark=PATH: a file created once the handler runs (its module loaded), for the test.
    mark = (event.get("queryStringParameters") or {}).get("mark")
    if mark:
        open(mark, "w").close()
    time.sleep(1)
    return {"generation": 1}


def slow(event, context):
    time.sleep(3)
    return "late"


def bad(event, context):
    return {"statusCode": "abc"}


def version(event, context):
    return {"version": 1}
