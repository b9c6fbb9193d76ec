"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, optionally with STARTTLS and auth.

with SmtpServer(starttls=True, users={"gatepost": "s3cret"}) as server:
    ... send to server.host, server.port, trusting server.client_context ...
    server.messages  # [email.message.EmailMessage, ...]
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
import tempfile
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate for `host`, written as PEM files in `directory`."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _free_port(host: str) -> int:
    # aiosmtpd's start-up self-check connects to the configured port, so port 0 cannot be used.
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Keep:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(msg)  # type: ignore[arg-type]
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.server.tls_used.append(session.ssl is not None)
            self.server.auth_users.append(getattr(session, "auth_data", None))
        return "250 OK"


class SmtpServer:
    def __init__(self, *, starttls: bool = False, users: dict[str, str] | None = None):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.tls_used: list[bool] = []
        self.auth_users: list[Any] = []
        self.lock = threading.Lock()
        self.host = "127.0.0.1"
        self._tmp = tempfile.TemporaryDirectory()
        self.client_context: ssl.SSLContext | None = None
        kwargs: dict[str, Any] = {}
        if starttls:
            cert, key = self_signed_cert(Path(self._tmp.name), self.host)
            server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            server_ctx.load_cert_chain(cert, key)
            self.client_context = ssl.create_default_context(cafile=str(cert))
            kwargs.update(tls_context=server_ctx, require_starttls=True)
        if users is not None:
            kwargs.update(
                authenticator=self._authenticator(users), auth_required=True, auth_require_tls=starttls
            )
        self.controller = Controller(_Keep(self), hostname=self.host, port=_free_port(self.host), **kwargs)

    @staticmethod
    def _authenticator(users: dict[str, str]) -> Any:
        def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            if isinstance(auth_data, LoginPassword):
                name, password = auth_data.login.decode(), auth_data.password.decode()
                if users.get(name) == password:
                    return AuthResult(success=True, auth_data=name)
            return AuthResult(success=False, handled=False)

        return check

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
        self._tmp.cleanup()
