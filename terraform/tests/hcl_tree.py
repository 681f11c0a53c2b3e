"""Reads every .tf file under terraform/ with python-hcl2 and answers the structural tests'
questions: which resources of a type exist, and which values an attribute can take once
variables, locals and module outputs are followed to where they are set."""

import re
from functools import lru_cache
from pathlib import Path

import hcl2

TERRAFORM = Path(__file__).resolve().parents[1]
INTERPOLATION = re.compile(r"^\$\{(.*)\}$", re.S)

# A variable nobody sets and that has no default: an operator's input at plan time.
ROOT_INPUT = "<root input>"


def unquote(value):
    """python-hcl2 keeps the quotes of string literals and labels; the tests compare values."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def clean(node):
    """Drops python-hcl2's bookkeeping keys and the quotes around labels and strings."""
    if isinstance(node, dict):
        return {
            unquote(key): clean(value)
            for key, value in node.items()
            if key not in ("__is_block__", "__comments__")
        }
    if isinstance(node, list):
        return [clean(item) for item in node]
    return unquote(node)


class Module:
    """The merged top-level blocks of the .tf files of one directory."""

    def __init__(self, directory):
        self.directory = directory
        self.files = sorted(directory.glob("*.tf"))
        self.resources = {}
        self.data = {}
        self.modules = {}
        self.variables = {}
        self.outputs = {}
        self.locals = {}
        self.terraform = []
        for path in self.files:
            with path.open() as handle:
                parsed = clean(hcl2.load(handle))
            for block in parsed.get("resource", []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        self.resources[(rtype, name)] = body
            for block in parsed.get("data", []):
                for dtype, named in block.items():
                    for name, body in named.items():
                        self.data[(dtype, name)] = body
            for kind, target in (("module", self.modules), ("variable", self.variables), ("output", self.outputs)):
                for block in parsed.get(kind, []):
                    target.update(block)
            for block in parsed.get("locals", []):
                self.locals.update(block)
            self.terraform.extend(parsed.get("terraform", []))

    def of_type(self, rtype):
        return {name: body for (kind, name), body in self.resources.items() if kind == rtype}


@lru_cache(maxsize=None)
def modules():
    """Every directory holding .tf files, keyed by its path relative to terraform/."""
    found = {}
    for path in sorted(TERRAFORM.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        directory = path.parent
        key = directory.relative_to(TERRAFORM).as_posix()
        if key not in found:
            found[key] = Module(directory)
    return found


def module(key):
    return modules()[key]


def tf_files():
    return [path for m in modules().values() for path in m.files]


def source_of(caller_key, block):
    target = (TERRAFORM / caller_key / block["source"]).resolve()
    return target.relative_to(TERRAFORM).as_posix()


def callers(key):
    """(caller directory, module block) for each module block whose source is `key`."""
    return [
        (caller_key, block)
        for caller_key, caller in modules().items()
        for block in caller.modules.values()
        if source_of(caller_key, block) == key
    ]


def resources(rtype):
    """(directory, name, body) of every resource of `rtype` in the tree."""
    return [
        (key, name, body)
        for key, m in modules().items()
        for name, body in m.of_type(rtype).items()
    ]


def resolve(key, value, depth=0):
    """Every value `value` (an attribute in directory `key`) takes across the tree's callers.

    A literal stays itself. var.X becomes what each caller passes (or the default), local.X
    its definition, module.M.O that module's output; anything else is returned as the
    expression text, for the caller to inspect."""
    if depth > 20:
        raise RecursionError(f"cannot resolve {value!r} in {key}")
    if not isinstance(value, str):
        return [value]
    match = INTERPOLATION.match(value)
    if not match:
        return [value]
    expression = match.group(1).strip()

    variable = re.fullmatch(r"var\.(\w+)", expression)
    if variable:
        return resolve_variable(key, variable.group(1), depth)

    length = re.fullmatch(r"length\((var\.\w+)\)", expression)
    if length:
        return [
            len(item) if isinstance(item, list) else value
            for item in resolve(key, "${" + length.group(1) + "}", depth + 1)
        ]

    local = re.fullmatch(r"local\.(\w+)", expression)
    if local and local.group(1) in module(key).locals:
        return resolve(key, module(key).locals[local.group(1)], depth + 1)

    output = re.fullmatch(r"module\.(\w+)\.(\w+)\b.*", expression, re.S)
    if output and output.group(1) in module(key).modules:
        target = source_of(key, module(key).modules[output.group(1)])
        body = module(target).outputs[output.group(2)]
        return resolve(target, body["value"], depth + 1)

    return [value]


def resolve_variable(key, name, depth):
    declared = module(key).variables[name]
    found = []
    calls = callers(key)
    for caller_key, block in calls:
        if name in block:
            found.extend(resolve(caller_key, block[name], depth + 1))
        elif "default" in declared:
            found.append(declared["default"])
        else:
            found.append(ROOT_INPUT)
    if not calls:
        found.append(declared.get("default", ROOT_INPUT))
    return found


def leaves(key, value):
    """resolve(), flattened into text, for substring checks on references."""
    return [str(item) for item in resolve(key, value)]
