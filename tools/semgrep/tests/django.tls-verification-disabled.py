# ruff: noqa
# Fixture of the rule tls-verification-disabled in ../django.yml: `semgrep --test` checks
# that it matches every line annotated as expected and none annotated as a look-alike.
# Never imported or run; ruff is off because the bad examples are the point.
import ssl

import httpx
import requests


def tls_cases(url, context):
    # ruleid: tls-verification-disabled
    httpx.get(url, timeout=5, verify=False)
    # ruleid: tls-verification-disabled
    requests.get(url, verify=False, timeout=5)
    # ruleid: tls-verification-disabled
    ssl._create_unverified_context()
    # ruleid: tls-verification-disabled
    context.check_hostname = False
    # ruleid: tls-verification-disabled
    context.verify_mode = ssl.CERT_NONE
    # ok: tls-verification-disabled
    httpx.get(url, timeout=5, verify="ca.pem")
    # ok: tls-verification-disabled
    requests.get(url, timeout=5)
