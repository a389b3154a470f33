def hello(request):
    """GET /hello?name=Ada -> 'Hello, Ada!'; POST JSON {"name": ...} -> a JSON greeting."""
    if request.method == "POST":
        payload = request.get_json(silent=True) or {}
        return {"message": f"Hello, {payload.get('name', 'world')}!"}
    name = request.args.get("name", "world")
    return f"Hello, {name}!\n", 200, {"content-type": "text/plain"}
