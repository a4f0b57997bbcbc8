"""An OTLP/HTTP trace receiver for the tests, on 127.0.0.1.

Decodes each export with the official OpenTelemetry protobuf definitions (PyPI
`opentelemetry-proto`) and prints it as one JSON line on stdout, with the wall-clock time it
arrived, before answering. Prints `{"port": N}` first. Bounded: it stops after the number of
seconds given as its argument.
"""

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}
PRINTING = threading.Lock()


def value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def attributes(pairs):
    return {pair.key: value(pair.value) for pair in pairs}


def span(s):
    return {
        "trace_id": s.trace_id.hex(),
        "span_id": s.span_id.hex(),
        "parent_span_id": s.parent_span_id.hex(),
        "name": s.name,
        "kind": KINDS.get(s.kind, str(s.kind)),
        "attributes": attributes(s.attributes),
        "links": [{"trace_id": l.trace_id.hex(), "span_id": l.span_id.hex()} for l in s.links],
        "status": {"code": STATUS.get(s.status.code, str(s.status.code)), "message": s.status.message},
    }


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Without it, small answers wait for delayed acknowledgements (40 ms each).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        arrived_ns = time.time_ns()
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path != "/v1/traces" or self.headers.get("content-type") != "application/x-protobuf":
            self.answer(404, b"")
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        resource = {}
        spans = []
        for resource_spans in request.resource_spans:
            resource.update(attributes(resource_spans.resource.attributes))
            for scope_spans in resource_spans.scope_spans:
                spans.extend(span(s) for s in scope_spans.spans)
        line = json.dumps({"at_ns": arrived_ns, "resource": resource, "spans": spans})
        with PRINTING:
            print(line, flush=True)
        self.answer(200, ExportTraceServiceResponse().SerializeToString())

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 300.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    threading.Timer(seconds, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
