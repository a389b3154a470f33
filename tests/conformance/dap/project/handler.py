# Handlers for the nimbus-dap conformance suite: line numbers matter to the tests.
import os

import helper

COUNTER = {"calls": 0}


def hello(event, context):
    COUNTER["calls"] += 1
    name = event.get("name", "world")
    order = event["order"]
    total = 0
    for item in order["items"]:
        total += helper.price(item)

    message = f"hello {name}"
    print("total is", total)
    return {"message": message, "total": total, "calls": COUNTER["calls"]}


def fail(event, context):
    value = event.get("value", 0)
    return helper.divide(10, value)


def crash(event, context):
    os._exit(3)


def web(event, context):
    path = event.get("rawPath", "/")
    return {"statusCode": 200, "body": f"served {path}"}


def spin(event, context):
    print("spinning"); n = 0  # (one line: the tests name the lines below)
    while True:
        n += 1


def caught(event, context):
    try:
        int("not a number")
    except ValueError:
        pass
    import json
    try:
        json.loads("{broken")
    except ValueError:
        return "handled"


def modules(event, context):
    import csv
    import decimal
    import sqlite3
    return [csv.__name__, str(decimal.Decimal("1.5") * 2), sqlite3.sqlite_version != ""]


def page(request):
    who = request.args.get("who", "nobody")
    return f"page for {who}"
