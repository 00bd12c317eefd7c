"""A local HTTP server that speaks OpenAI's wire format, for testing our real client code.

Each test sets `server.routes[(method, path)]` to a handler returning (status, headers, body)
or uses the defaults below; every request is recorded in `server.requests`.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def json_response(payload, status=200, headers=None):
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()


def error_response(status, message, error_type="invalid_request_error", code=None):
    return json_response({"error": {"message": message, "type": error_type, "param": None, "code": code}}, status)


def default_models(request):
    return json_response({
        "object": "list",
        "data": [
            {"id": "gpt-4o-mini", "object": "model", "created": 1700000000, "owned_by": "fake"},
            {"id": "text-embedding-3-small", "object": "model", "created": 1700000000, "owned_by": "fake"},
        ],
    })


class FakeOpenAI:
    def __init__(self):
        self.routes = {("GET", "/v1/models"): default_models}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                server.requests.append(
                    {
                        "method": method,
                        "path": path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(body) if body else None,
                    }
                )
                route = server.routes.get((method, path))
                status, headers, payload = route(server.requests[-1]) if route else error_response(
                    404, f"Unknown path {path}")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def embeddings_handler(*, delay: float = 0.0, wrong_dimensions: bool = False):
    """POST /v1/embeddings answering with real (built-in) embeddings of the inputs, at the
    requested `dimensions`, in OpenAI's response format with usage."""
    import time

    from kaiu.ai.embeddings import BuiltinEmbedder

    def handle(request):
        if delay:
            time.sleep(delay)
        body = request["body"]
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dimensions = body.get("dimensions", 1536) + (1 if wrong_dimensions else 0)
        vectors = BuiltinEmbedder(dimensions).embed(inputs)
        return json_response(
            {
                "object": "list",
                "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                "model": body["model"],
                "usage": {
                    "prompt_tokens": sum(len(t) // 4 for t in inputs),
                    "total_tokens": sum(len(t) // 4 for t in inputs),
                },
            }
        )

    return handle


def chat_handler(pieces=("Enviamos a Cali ", "en 3 a 5 días [1]."), *, usage=(120, 14), delay: float = 0.0):
    """POST /v1/chat/completions like OpenAI: a JSON completion, or with "stream": true the
    Server-Sent Events of chat.completion.chunk objects (one per piece), a usage chunk when
    stream_options.include_usage is set, and [DONE]."""
    import time

    def handle(request):
        if delay:
            time.sleep(delay)
        body = request["body"]
        base = {"id": "chatcmpl-fake", "created": 1700000000, "model": body["model"]}
        usage_json = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
        if not body.get("stream"):
            return json_response({**base, "object": "chat.completion", "usage": usage_json, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "".join(pieces)}, "finish_reason": "stop"}]})
        events = []
        for number, piece in enumerate(pieces):
            delta = {"role": "assistant", "content": piece} if number == 0 else {"content": piece}
            events.append({**base, "object": "chat.completion.chunk",
                           "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        events.append({**base, "object": "chat.completion.chunk",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage_json})
        payload = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"
        return 200, {"Content-Type": "text/event-stream"}, payload.encode()

    return handle


def tool_call_handler(name=None, arguments=None, *, otherwise=None):
    """POST /v1/chat/completions: a request offering `tools` is answered as OpenAI does when
    the model calls one (message.tool_calls, finish_reason "tool_calls"), or with a plain
    message when `name` is None; any other request goes to `otherwise` (chat_handler())."""
    otherwise = otherwise or chat_handler()

    def handle(request):
        body = request["body"]
        if not body.get("tools"):
            return otherwise(request)
        message = {"role": "assistant", "content": None if name else "Hola"}
        if name:
            message["tool_calls"] = [{"id": "call_fake1", "type": "function", "function": {
                "name": name, "arguments": json.dumps(arguments or {})}}]
        return json_response({"id": "chatcmpl-fake", "object": "chat.completion", "created": 1700000000,
                              "model": body["model"], "usage": {"prompt_tokens": 80, "completion_tokens": 12,
                                                                "total_tokens": 92},
                              "choices": [{"index": 0, "message": message,
                                           "finish_reason": "tool_calls" if name else "stop"}]})

    return handle


def use_fake_server(tenant, server: "FakeOpenAI") -> None:
    """Make `tenant` use `server` as its own OpenAI-compatible provider, embeddings answered."""
    from kaiu.accounts.services import llm_settings_update

    server.routes[("POST", "/v1/embeddings")] = embeddings_handler()
    llm_settings_update(tenant=tenant, provider="OPENAI_COMPATIBLE", base_url=server.base_url,
                        chat_model="gpt-4o-mini", embedding_model="text-embedding-3-small",
                        api_key="sk-fake-key-123456")
