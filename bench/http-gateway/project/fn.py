# A hello http function in Python.
def hello(request):
    return "Hello, World!"
