# A Python http function for tst_gateway: Flask-style request in, Flask-style result out.
def main(request):
    if request.path == "/json":
        return {"method": request.method, "path": request.path, "args": request.args.to_dict(flat=False),
                "json": request.get_json(silent=True), "header": request.headers.get("X-Test"),
                "mount": request.script_root}
    if request.path == "/bytes":
        return request.data, 201, {"Content-Type": "application/octet-stream",
                                   "X-Len": str(len(request.data))}
    if request.path == "/tuple":
        return "created", "201 CREATED"
    if request.path == "/form":
        return request.form.to_dict()
    if request.path == "/fail":
        raise RuntimeError("py web failure")
    return "hello " + request.args.get("name", "world")
