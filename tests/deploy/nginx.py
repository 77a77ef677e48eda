"""deploy/nginx/tenantry.conf rendered for a test host: free ports on 127.0.0.1, a self-signed
wildcard certificate, a prefix directory for nginx's own files (never the system config)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.servers import LOCALHOST, REPO, free_port, stop_process, wait_until_listening

SITE_TEMPLATE = REPO / "deploy" / "nginx" / "tenantry.conf"
VARIABLES = ("BASE_DOMAIN", "UPSTREAM", "STATIC_ROOT", "MEDIA_ROOT", "TLS_CERTIFICATE",
             "TLS_CERTIFICATE_KEY")


def nginx_executable() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def render_site(values: dict[str, str]) -> str:
    """What ``envsubst`` with the README's variable list produces."""
    text = SITE_TEMPLATE.read_text()
    for name in VARIABLES:
        text = text.replace("${" + name + "}", values[name])
    leftover = re.findall(r"\$\{\w+\}", text)
    assert not leftover, f"unrendered variables: {leftover}"
    return text


def self_signed_certificate(directory: Path, domain: str) -> tuple[Path, Path]:
    certificate, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={domain}", "-addext", f"subjectAltName=DNS:{domain},DNS:*.{domain}",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    return certificate, key


@dataclass
class Nginx:
    http_port: int
    https_port: int
    main_config: Path
    prefix: Path
    process: subprocess.Popen | None = None

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run([nginx_executable(), "-t", "-p", str(self.prefix), "-c", str(self.main_config)],
                              capture_output=True, text=True)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [nginx_executable(), "-p", str(self.prefix), "-c", str(self.main_config), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_listening(self.https_port, self.process, self.prefix / "error.log")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


def nginx_for_test(*, directory: Path, base_domain: str, upstream: str, static_root: Path,
                   media_root: Path | None = None, deployed_ports: bool = False) -> Nginx:
    """The site config as deployed, listening on free ports of 127.0.0.1 instead of 80/443
    (``deployed_ports``: exactly as deployed, for ``nginx -t`` only)."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate, key = self_signed_certificate(directory, base_domain)
    http_port, https_port = free_port(), free_port()
    site = render_site({"BASE_DOMAIN": base_domain, "UPSTREAM": upstream, "STATIC_ROOT": str(static_root),
                        "MEDIA_ROOT": str(media_root or directory / "media"),
                        "TLS_CERTIFICATE": str(certificate), "TLS_CERTIFICATE_KEY": str(key)})
    if not deployed_ports:
        site = re.sub(r"^\s*listen \[::\]:.*\n", "", site, flags=re.M)  # IPv4 loopback only
        site = re.sub(r"listen 80\b", f"listen {LOCALHOST}:{http_port}", site)
        site = re.sub(r"listen 443\b", f"listen {LOCALHOST}:{https_port}", site)
    (directory / "tenantry.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read the test's private files
    temp = "\n".join(f"    {name}_temp_path {directory / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = directory / "nginx.conf"
    main.write_text(f"""{user}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory / "access.log"};
{temp}
    include {directory / "tenantry.conf"};
}}
""")
    return Nginx(http_port=http_port, https_port=https_port, main_config=main, prefix=directory)
