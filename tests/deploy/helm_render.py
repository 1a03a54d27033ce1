"""Renders the Helm chart in deploy/helm/annexa without Helm, for the deployment files' tests.

Helm is not installable from the registries this project uses, so its templates are rendered
here with the part of Go's text/template that the chart uses and no more: actions with ``{{-``
and ``-}}`` trimming, comments, ``define``/``include``, ``if``/``else``/``end``, ``with``, field
paths (``.Values.a.b``, ``.Release.Name``, ``.Chart.AppVersion``, ``.``), string and number
literals, pipelines, and the functions ``quote``, ``default``, ``toYaml``, ``indent`` and
``nindent``. Anything else is an error naming the template, so the chart cannot quietly grow a
construct this renderer would get wrong.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACTION = re.compile(r"{{(-?)(.*?)(-?)}}", re.DOTALL)


class TemplateError(Exception):
    pass


@dataclass
class Block:
    kind: str  # "root", "if", "with", "define"
    arg: str = ""
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)
    in_else: bool = False

    def add(self, node) -> None:
        (self.orelse if self.in_else else self.body).append(node)


def _tokens(source: str, name: str) -> list[tuple[str, str]]:
    """``("text", …)`` and ``("action", …)`` pieces, with ``{{-``/``-}}`` trimming applied."""
    pieces: list[tuple[str, str]] = []
    position = 0
    trim_next = False
    for match in ACTION.finditer(source):
        text = source[position : match.start()]
        if trim_next:
            text = text.lstrip()
        if match.group(1):
            text = text.rstrip()
        pieces.append(("text", text))
        pieces.append(("action", match.group(2).strip()))
        trim_next = bool(match.group(3))
        position = match.end()
    if "{{" in source[position:]:
        raise TemplateError(f"{name}: unclosed action")
    tail = source[position:]
    pieces.append(("text", tail.lstrip() if trim_next else tail))
    return pieces


def parse(source: str, name: str, defines: dict[str, Block]) -> Block:
    root = Block("root")
    stack = [root]
    for kind, value in _tokens(source, name):
        top = stack[-1]
        if kind == "text":
            top.add(value)
            continue
        if value.startswith("/*"):
            if not value.endswith("*/"):
                raise TemplateError(f"{name}: unterminated comment")
            continue
        word, _, rest = value.partition(" ")
        if word in ("if", "with"):
            block = Block(word, rest.strip())
            top.add(block)
            stack.append(block)
        elif word == "define":
            block = Block("define", shlex.split(rest)[0])
            defines[block.arg] = block
            stack.append(block)
        elif word == "else":
            if top.kind != "if" or top.in_else or rest:
                raise TemplateError(f"{name}: unsupported else")
            top.in_else = True
        elif word == "end":
            if len(stack) == 1:
                raise TemplateError(f"{name}: end without a block")
            stack.pop()
        elif word in ("range", "template", "block", "break", "continue"):
            raise TemplateError(f"{name}: {word!r} is not supported by this renderer")
        else:
            top.add(("action", value))
    if len(stack) != 1:
        raise TemplateError(f"{name}: {stack[-1].kind} without end")
    return root


def _go_string(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        raise TemplateError(f"cannot print a {type(value).__name__} without toYaml: {value!r}")
    return str(value)


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", [], {})


class Renderer:
    def __init__(self, context: dict[str, Any], defines: dict[str, Block]) -> None:
        self.context = context
        self.defines = defines

    def render(self, block: Block, dot: Any) -> str:
        return "".join(self._node(node, dot) for node in block.body)

    def _node(self, node, dot: Any) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, tuple):
            return _go_string(self.pipeline(node[1], dot))
        value = self.pipeline(node.arg, dot)
        if node.kind == "if":
            chosen = node.body if _truthy(value) else node.orelse
            return "".join(self._node(child, dot) for child in chosen)
        if node.kind == "with":
            return self.render(node, value) if _truthy(value) else ""
        raise TemplateError(f"unexpected block {node.kind}")

    def _value(self, token: str, dot: Any) -> Any:
        if token == ".":
            return dot
        if token.startswith("."):
            value: Any = self.context if token.split(".")[1] in self.context else dot
            for part in token.split(".")[1:]:
                if not isinstance(value, dict):
                    raise TemplateError(f"{token}: {part!r} of a non-map")
                value = value.get(part)
            return value
        if token.startswith('"'):
            return token[1:-1]
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        raise TemplateError(f"unsupported operand {token!r}")

    def pipeline(self, text: str, dot: Any) -> Any:
        result: Any = None
        for number, command in enumerate(part.strip() for part in text.split("|")):
            words = re.findall(r'"[^"]*"|\S+', command)
            if not words:
                raise TemplateError(f"empty command in {text!r}")
            head, args = words[0], [self._value(w, dot) for w in words[1:]]
            if number:
                args.append(result)
            if head.startswith((".", '"')) or re.fullmatch(r"-?\d+", head):
                if args:
                    raise TemplateError(f"{head} takes no arguments in {text!r}")
                result = self._value(head, dot)
            else:
                result = self.call(head, args)
        return result

    def call(self, function: str, args: list[Any]) -> Any:
        if function == "include":
            name, dot = args
            if name not in self.defines:
                raise TemplateError(f"include of an undefined template {name!r}")
            return self.render(self.defines[name], dot)
        if function == "quote":
            return '"' + _go_string(args[0]).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if function == "default":
            fallback, value = args
            return value if _truthy(value) else fallback
        if function == "toYaml":
            return yaml.safe_dump(args[0], default_flow_style=False, sort_keys=True).rstrip("\n")
        if function in ("indent", "nindent"):
            width, text = args
            indented = "\n".join(" " * width + line for line in _go_string(text).split("\n"))
            return ("\n" if function == "nindent" else "") + indented
        raise TemplateError(f"function {function!r} is not supported by this renderer")


def render_chart(chart: Path, release: str = "annexa", namespace: str = "default") -> dict:
    """``{template name: rendered text}`` of every template, as ``helm template`` would."""
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    values = yaml.safe_load((chart / "values.yaml").read_text())
    context = {
        "Values": values,
        "Release": {"Name": release, "Namespace": namespace, "Service": "Helm"},
        "Chart": {
            "Name": meta["name"],
            "Version": meta["version"],
            "AppVersion": meta["appVersion"],
        },
    }
    defines: dict[str, Block] = {}
    parsed = {}
    for path in sorted((chart / "templates").iterdir()):
        parsed[path.name] = parse(path.read_text(), path.name, defines)
    renderer = Renderer(context, defines)
    return {
        name: renderer.render(tree, context)
        for name, tree in parsed.items()
        if not name.startswith("_")
    }
