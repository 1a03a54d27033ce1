# ruff: noqa
# Fixture of the rule http-call-without-timeout in ../django.yml: `semgrep --test` checks
# that it matches every line annotated as expected and none annotated as a look-alike.
# Never imported or run; ruff is off because the bad examples are the point.
import urllib.request

import httpx
import requests


def http_cases(url):
    # ruleid: http-call-without-timeout
    requests.get(url)
    # ruleid: http-call-without-timeout
    requests.post(url, json={})
    # ruleid: http-call-without-timeout
    httpx.get(url)
    # ruleid: http-call-without-timeout
    httpx.Client(follow_redirects=False)
    # ruleid: http-call-without-timeout
    urllib.request.urlopen(url)
    # ok: http-call-without-timeout
    requests.get(url, timeout=10)
    # ok: http-call-without-timeout
    httpx.post(url, json={}, timeout=httpx.Timeout(10.0))
    # ok: http-call-without-timeout
    httpx.Client(timeout=10.0)
    # ok: http-call-without-timeout
    urllib.request.urlopen(url, timeout=10)
