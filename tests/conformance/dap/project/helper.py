# Called from handler.py.


def price(item):
    amount = item["qty"] * item["unit"]
    return amount


def divide(a, b):
    result = a / b
    return result
