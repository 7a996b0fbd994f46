"""`formpipe review --serve`: the review pages on 127.0.0.1, with correction forms.

Safe to open on a machine that also browses the web: it listens on the loopback address
unless told otherwise; it answers only requests whose Host is the address it serves (a page
elsewhere cannot reach it through DNS rebinding); it changes nothing on GET; a correction is a
POST carrying the token made when the server started (a page on another site cannot read it,
so cannot forge the form); every response forbids scripts, framing and sniffing.

A correction is appended to outputs/_state/corrections.csv and applied at once when no run
holds the outputs; otherwise the running (or next) run applies it.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from . import corrections as C
from .html import CSP, EDITABLE, Doc, document_page, esc, index_page, read_docs

log = logging.getLogger("formpipe")
MAX_BODY = 64 * 1024  # a correction is a few hundred bytes; anything larger is not one


def correction_form(token: str):
    def form(doc: Doc, f: dict, value) -> str:
        hidden = "".join(f'<input type="hidden" name="{k}" value="{esc(v)}">' for k, v in (
            ("token", token), ("doc_id", doc.doc_id), ("dataset", f["dataset"]),
            ("row", "" if f["row_ref"] is None else f["row_ref"]), ("field", f["field"] or "")))
        editable = f["field"] in EDITABLE.get(f["dataset"], ())
        box = (f'<input type="text" name="value" value="{esc(value)}" aria-label="corrected value">'
               f'<button type="submit" name="action" value="correct">Correct</button> ' if editable else "")
        return (f'<form method="post" action="/correct">{hidden}{box}'
                f'<button type="submit" name="action" value="accept">Accept as read</button></form>')
    return form


_APPLYING = threading.Lock()  # two forms sent at once: one applies, then the other


def apply_now(outputs: Path) -> str:
    """Apply the corrections unless a run holds the outputs; says what happened."""
    with _APPLYING:
        return _apply_now(outputs)


def _apply_now(outputs: Path) -> str:
    from formpipe.batch.lock import LockHeld, OutputsLock
    from formpipe.batch.manifest import Manifest
    try:
        lock = OutputsLock(outputs / "_state" / "lock").acquire()
    except LockHeld:
        return "Saved. A run is using the outputs: it applies the correction when it finishes."
    try:
        manifest_path = outputs / "_state" / "manifest.sqlite"
        manifest = Manifest(manifest_path) if manifest_path.exists() else None
        try:
            warnings = C.apply_all(outputs, manifest.set_doc_status if manifest else None)
        finally:
            if manifest:
                manifest.close()
    finally:
        lock.release()
    return "Saved and applied." + (" " + " ".join(warnings) if warnings else "")


def make_handler(  # noqa: C901 (the request handler: one branch per route, checks first)
outputs: Path, token: str, reviewer: str, hosts: set[str]):
    form = correction_form(token)

    class Handler(BaseHTTPRequestHandler):
        server_version = "formpipe-review"
        sys_version = ""

        def log_message(self, fmt, *args):  # requests go to the debug log, not stderr
            log.debug("review server: " + fmt, *args)

        def _send(self, status: int, body: str = "", location: str | None = None) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", CSP + "; frame-ancestors 'none'")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _host_ok(self) -> bool:
            if self.headers.get("Host", "") in hosts:
                return True
            self._send(HTTPStatus.FORBIDDEN, "unknown host")
            return False

        def do_GET(self) -> None:
            if not self._host_ok():
                return
            url = urlsplit(self.path)
            if url.path == "/":
                return self._send(HTTPStatus.OK, index_page(read_docs(outputs, datasets=("flags",)),
                                                            lambda d: f"/doc/{quote(d)}"))
            if url.path.startswith("/doc/"):
                doc_id = url.path[5:]
                docs = read_docs(outputs, doc_id) if doc_id.isalnum() else []
                if len(docs) != 1:
                    return self._send(HTTPStatus.NOT_FOUND, "no such document")
                note = parse_qs(url.query).get("note", [None])[0]
                return self._send(HTTPStatus.OK, document_page(outputs, docs[0], "/", form=form, note=note))
            self._send(HTTPStatus.NOT_FOUND, "not found")

        def do_POST(self) -> None:
            if not self._host_ok():
                return
            if urlsplit(self.path).path != "/correct":
                return self._send(HTTPStatus.NOT_FOUND, "not found")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too large")
            fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace"),
                                                   keep_blank_values=True).items()}
            if not hmac.compare_digest(fields.get("token", ""), token):
                return self._send(HTTPStatus.FORBIDDEN, "missing or wrong session token")
            doc_id = fields.get("doc_id", "")
            docs = read_docs(outputs, doc_id) if doc_id.isalnum() else []
            if len(docs) != 1:
                return self._send(HTTPStatus.NOT_FOUND, "no such document")
            try:
                c = C.new(doc_id, docs[0].row["source_path"], fields.get("dataset", ""),
                          int(fields["row"]) if fields.get("row") else None, fields.get("field") or None,
                          fields.get("action", ""), fields.get("value", ""), reviewer)
            except ValueError:
                return self._send(HTTPStatus.BAD_REQUEST, "bad row")
            why = C.check(c)
            if why:
                return self._send(HTTPStatus.BAD_REQUEST, esc(why))
            C.append(outputs, [c])
            note = apply_now(outputs)
            self._send(HTTPStatus.SEE_OTHER, "", location=f"/doc/{quote(doc_id)}?note={quote(note)}")

    return Handler


def make_server(outputs: Path, host: str = "127.0.0.1", port: int = 8765, reviewer: str = "reviewer"):
    """The server (not yet serving) and its token; port 0 picks a free one."""
    token = secrets.token_urlsafe(32)
    server = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)  # the real handler is set below, once the port is known
    real_port = server.server_address[1]
    hosts = {f"{host}:{real_port}", f"localhost:{real_port}"} | ({f"127.0.0.1:{real_port}"} if host == "127.0.0.1" else set())
    server.RequestHandlerClass = make_handler(outputs, token, reviewer, hosts)
    return server, token


def serve(outputs: Path, host: str, port: int, reviewer: str) -> None:
    server, _ = make_server(outputs, host, port, reviewer)
    shown = host if ":" not in host else f"[{host}]"
    print(f"review served on http://{shown}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
