"""A bounded HTTP server on 127.0.0.1 for the download tests (no network)."""

import http.server
import threading

import pytest


class Routes:
    """path -> behaviour: `body` bytes, `fail` (first n requests get 503), `cut` (send only
    the first n bytes of the body, with the full Content-Length, then close)."""

    def __init__(self):
        self.routes, self.hits, self.lock = {}, {}, threading.Lock()

    def add(self, path, body, fail=0, cut=None, delay=0.0, cut_times=None):
        self.routes[path] = {"body": body, "fail": fail, "cut": cut, "delay": delay,
                             "cut_times": cut_times}

    def count(self, path):
        return self.hits.get(path, 0)


def make_handler(routes):
    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 5

        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            with routes.lock:
                routes.hits[self.path] = routes.hits.get(self.path, 0) + 1
                n = routes.hits[self.path]
            route = routes.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if n <= route["fail"]:
                self.send_error(503)
                return
            body = route["body"]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if route["delay"]:
                threading.Event().wait(route["delay"])
            if route["cut"] is not None and (route["cut_times"] is None or
                                             n <= route["fail"] + route["cut_times"]):
                self.wfile.write(body[:route["cut"]])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


@pytest.fixture
def http_server():
    """(base_url, routes); the server thread stops when the test ends."""
    routes = Routes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(routes))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
