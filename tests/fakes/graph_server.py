"""A local HTTP server that speaks the WhatsApp Cloud API's wire format (Meta's Graph API),
for testing our real client code: POST /v21.0/{phone-number-id}/messages.

Every request is recorded in `server.requests`; `server.failures` is a list of responses
(status, body) or seconds to sleep before answering, consumed one per request before the
default success, so a test can make the next sends fail."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def graph_error(status, message, code, details=""):
    return status, {"error": {"message": message, "type": "OAuthException", "code": code,
                              "error_data": {"messaging_product": "whatsapp", "details": details},
                              "fbtrace_id": "AbCdEf"}}


class FakeGraph:
    def __init__(self):
        self.requests = []
        self.failures = []
        self.lock = threading.Lock()
        self.count = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                with server.lock:
                    server.count += 1
                    number = server.count
                    failure = server.failures.pop(0) if server.failures else None
                    server.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in
                                                                            self.headers.items()}, "body": body})
                if isinstance(failure, (int, float)):
                    time.sleep(failure)
                    failure = None
                if failure is not None:
                    status, payload = failure
                elif not self.path.endswith("/messages"):
                    status, payload = graph_error(404, "Unknown path", 100)
                else:
                    status, payload = 200, {"messaging_product": "whatsapp",
                                            "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                            "messages": [{"id": f"wamid.OUT{number:04d}"}]}
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v21.0"

    @property
    def sent(self):
        """The bodies of the messages sent (successfully or not), in order."""
        return [request["body"] for request in self.requests]

    @property
    def texts(self):
        return [body["text"]["body"] for body in self.sent if body.get("type") == "text"]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
