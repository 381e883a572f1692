"""Sphinx extension of the nengo-fa docs: example pages, measured tables, cross-references.

* **Example pages.** At ``builder-inited``, one page ``examples/<name>.rst`` is
  written for every script in ``examples/`` from its source, without running
  it: the module docstring, the committed figures named in the
  ``nengo_fa_examples`` setting (``docs/figures/``), the measured output
  (``docs/results/``) and the full source. A script without an entry, or a
  figure that does not exist, is a warning (an error with ``-W``).
* **Measured tables.** ``.. results-tables:: /results/NAME.txt`` renders the
  Markdown tables a benchmark printed into its output file, each with the
  command that printed it, so numbers are never copied by hand.
* **Cross-references** (the build is nitpicky): a reference to a nengo-fa
  object under another name than the one it is documented under (where it is
  defined, or a name an example imports it as) is resolved to the documented
  object; Nengo's objects link to Nengo's documentation; other external names
  (NumPy, SciPy, nengo-ocl, ...) are shown as code without a link, as no
  inventory can be fetched offline.
"""

import ast
import importlib
import inspect
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

logger = logging.getLogger(__name__)

EXAMPLE_MODULE = "examples."

# --------------------------------------------------------------------------------------
# Example pages


def example_info(path):
    """Docstring, top-level names and imported names of an example script (parsed, not run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstring = ast.get_docstring(tree) or ""
    defined, imported = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name] = alias.name
    return docstring, defined, imported


def commands_as_code(text):
    """Indented blocks of a docstring after a plain paragraph (the scripts' usage lines) as code.

    In reStructuredText they would be block quotes; in the scripts' docstrings
    they are the commands that run them.
    """
    lines, out, k = text.splitlines(), [], 0
    while k < len(lines):
        line = lines[k]
        previous = out[-1] if out else ""
        starts_block = line.startswith("    ") and not previous.strip()
        before = next((p for p in reversed(out) if p.strip()), "")
        if starts_block and not before.startswith(" ") and not before.rstrip().endswith("::"):
            out += [".. code-block:: bash", ""]
            while k < len(lines) and (lines[k].startswith("    ") or not lines[k].strip()):
                out.append("   " + lines[k].strip() if lines[k].strip() else "")
                k += 1
            out.append("")
            continue
        out.append(line)
        k += 1
    return "\n".join(out)


def example_page(name, path, docstring, entry):
    """The reStructuredText of one example's page."""
    summary, _, body = docstring.partition("\n")
    title = f"{summary.strip().rstrip('.')}"
    lines = [
        f".. This page is generated from examples/{name}.py by docs/_ext/nengo_fa_docs.py.",
        "",
        f".. _example-{name}:",
        "",
        title,
        "=" * len(title),
        "",
        f".. py:currentmodule:: {EXAMPLE_MODULE}{name}",
        "",
        f"``examples/{name}.py`` (:ref:`source <example-{name}-source>`)",
        "",
        commands_as_code(inspect.cleandoc(body)) if body.strip() else "",
        "",
    ]
    if entry.get("command"):
        lines += [".. code-block:: bash", "", f"   {entry['command']}", ""]
    lines += ["Figures", "-------", ""]
    for figure, caption in entry["figures"]:
        lines += [f".. figure:: /figures/{figure}", f"   :alt: {figure}", "", f"   {caption}", ""]
    for results in entry.get("results", []):
        lines += [
            "Measured output",
            "---------------",
            "",
            f".. results-tables:: /results/{results}",
            "   :full-output:",
            "",
        ]
    if entry.get("see_also"):
        links = ", ".join(f":doc:`/{doc}`" for doc in entry["see_also"])
        lines += [f"See also {links}.", ""]
    lines += [
        f".. _example-{name}-source:",
        "",
        "Source",
        "------",
        "",
        f".. literalinclude:: /../examples/{name}.py",
        "   :language: python",
        "   :linenos:",
        "",
    ]
    return "\n".join(lines)


def gallery(config, names):
    """The thumbnails of the examples index: each example's first figure, linked to its page."""
    lines = [".. container:: figure-grid", ""]
    for name, entry in config.items():
        if name not in names or not entry.get("figures"):
            continue
        figure = entry["figures"][0][0]
        lines += [
            f"   .. figure:: /figures/{figure}",
            f"      :target: {name}.html",
            f"      :alt: {name}",
            "",
            f"      :doc:`{name}`",
            "",
        ]
    return "\n".join(lines)


def write_if_changed(path, text):
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate_example_pages(app):
    """Write ``examples/<name>.rst`` for every script in ``examples/`` (see above)."""
    source = Path(app.srcdir)
    examples_dir = source.parent / "examples"
    figures_dir = source / "figures"
    results_dir = source / "results"
    out = source / "examples"
    config = app.config.nengo_fa_examples
    scripts = sorted(examples_dir.glob("*.py"))
    names = {path.stem for path in scripts}
    app.env.nengo_fa_examples = {}
    for name in sorted(set(config) - names):
        logger.warning(f"nengo_fa_examples names {name!r}, but examples/{name}.py does not exist")
    for path in scripts:
        name = path.stem
        entry = config.get(name)
        if entry is None:
            logger.warning(
                f"examples/{name}.py has no entry in nengo_fa_examples (docs/conf.py): "
                "name its figures there so that its page shows them"
            )
            continue
        if not entry.get("figures"):
            logger.warning(f"nengo_fa_examples[{name!r}] names no figure")
        for figure, _ in entry.get("figures", []):
            if not (figures_dir / figure).is_file():
                logger.warning(f"example {name}: docs/figures/{figure} does not exist")
        for results in entry.get("results", []):
            if not (results_dir / results).is_file():
                logger.warning(f"example {name}: docs/results/{results} does not exist")
        docstring, defined, imported = example_info(path)
        app.env.nengo_fa_examples[name] = (defined, imported)
        write_if_changed(out / f"{name}.rst", example_page(name, path, docstring, entry))
    write_if_changed(out / "gallery.inc", gallery(config, names))
    # pages of examples that no longer exist
    for page in out.glob("*.rst"):
        if page.stem != "index" and page.stem not in names:
            page.unlink()


# --------------------------------------------------------------------------------------
# Measured tables from benchmark output files

_TABLE_ROW = re.compile(r"^\|.*\|\s*$")
_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_output(text):
    """Runs of a benchmark output file: ``[(command, context, [(caption, rows, notes)])]``.

    A run starts at a line ``$ command``; the parenthesized lines right after it
    are its context. A table is a Markdown table; its caption is the paragraph
    (lines without a blank line between them) right above it, its notes the
    other plain lines after it, up to the next table's caption or run.
    Indented lines (progress) and the version line are skipped.
    """
    lines = text.splitlines()
    runs = []
    command, context, tables = None, [], []
    paragraphs = [[]]  # plain lines since the last table, split at blank lines

    def flush(keep_caption):
        caption = ""
        blocks = [block for block in paragraphs if block]
        if keep_caption and blocks:
            caption = " ".join(blocks.pop())
        if tables:
            tables[-1][2].extend(line for block in blocks for line in block)
        paragraphs[:] = [[]]
        return caption

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            flush(False)
            if command is not None or tables:
                runs.append((command, context, tables))
            command, context, tables = line[2:].strip(), [], []
            i += 1
            while i < len(lines) and lines[i].startswith("("):
                context.append(lines[i].strip())
                i += 1
            continue
        if _TABLE_ROW.match(line) and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1]):
            caption = flush(True)
            rows = [_cells(line)]
            i += 2
            while i < len(lines) and _TABLE_ROW.match(lines[i]):
                rows.append(_cells(lines[i]))
                i += 1
            tables.append((caption, rows, []))
            continue
        if not line.strip():
            paragraphs.append([])
        elif not line.startswith((" ", "\t")) and not _is_version_line(line):
            paragraphs[-1].append(line.strip())
        i += 1
    flush(False)
    if command is not None or tables:
        runs.append((command, context, tables))
    return runs


def _is_version_line(line):
    return line.startswith("nengo ") and "nengo_fa" in line


class ResultsTables(SphinxDirective):
    """``.. results-tables:: /results/NAME.txt``: the tables of a benchmark output file.

    Options: ``:tables:`` 1-based numbers of the tables to show (all by
    default), ``:full-output:`` adds the whole file in a collapsed block,
    ``:optional:`` shows a placeholder instead of warning if the file is missing.
    """

    required_arguments = 1
    option_spec = {
        "tables": directives.positive_int_list,
        "full-output": directives.flag,
        "optional": directives.flag,
    }

    def run(self):
        relative, path = self.env.relfn2path(self.arguments[0])
        if not Path(path).is_file():
            if "optional" in self.options:
                note = nodes.admonition(classes=["placeholder"])
                note += nodes.title(text="Placeholder: not measured yet")
                note += nodes.paragraph(
                    text=f"This table is generated from {self.arguments[0].lstrip('/')}, "
                    "which has not been committed yet."
                )
                return [note]
            raise self.error(f"results file {self.arguments[0]} does not exist")
        self.env.note_dependency(relative)
        text = Path(path).read_text(encoding="utf-8")
        wanted = self.options.get("tables")
        result, number = [], 0
        for command, context, tables in parse_output(text):
            shown_command = False
            for caption, rows, notes in tables:
                number += 1
                if wanted is not None and number not in wanted:
                    continue
                if command and not shown_command:
                    result.append(nodes.literal_block(f"$ {command}", f"$ {command}"))
                    result[-1]["language"] = "bash"
                    for line in context:
                        result.append(self._paragraph(line))
                    shown_command = True
                result.append(self._table(caption, rows))
                result.extend(self._paragraph(note) for note in notes)
        if wanted is not None and max(wanted) > number:
            raise self.error(f"{self.arguments[0]} has {number} tables, not {max(wanted)}")
        if "full-output" in self.options:
            result.extend(self._full_output(text))
        return result

    @staticmethod
    def _paragraph(text):
        """Plain text as printed, with Markdown ``**bold**`` (the only markup used)."""
        paragraph = nodes.paragraph()
        for k, part in enumerate(text.split("**")):
            if part:
                paragraph += nodes.strong(part, part) if k % 2 else nodes.Text(part)
        return paragraph

    def _table(self, caption, rows):
        header, body = rows[0], rows[1:]
        width = len(header)
        table = nodes.table(classes=["results-table"])
        if caption:
            table += nodes.title(caption, caption)
        group = nodes.tgroup(cols=width)
        table += group
        group.extend(nodes.colspec(colwidth=1) for _ in range(width))
        thead, tbody = nodes.thead(), nodes.tbody()
        group += thead
        group += tbody
        thead += self._row(header, width)
        for cells in body:
            tbody += self._row(cells, width)
        return table

    def _row(self, cells, width):
        row = nodes.row()
        for cell in (cells + [""] * width)[:width]:
            entry = nodes.entry()
            entry += self._paragraph(cell)
            row += entry
        return row

    def _full_output(self, text):
        name = self.arguments[0].lstrip("/")
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [
            nodes.raw("", f"<details><summary>Full output: {name}</summary>", format="html"),
            block,
            nodes.raw("", "</details>", format="html"),
        ]


# --------------------------------------------------------------------------------------
# Cross-references

NENGO_DOCS = "https://www.nengo.ai/nengo/"
#: Nengo's docs document these under ``nengo.<name>`` (its autoautosummary_change_modules).
NENGO_TOPLEVEL_MODULES = ("nengo.learning_rules", "nengo.neurons", "nengo.synapses")
NENGO_TOPLEVEL_MODULES += ("nengo.transforms", "nengo.config")
NENGO_TOPLEVEL_NAMES = {"Network", "Ensemble", "Node", "Connection", "Probe", "Process"}
NENGO_TOPLEVEL_NAMES |= {"Simulator"}
NENGO_BUILDER_NAMES = {"Operator", "Signal", "Model", "Builder"}
NENGO_FRONTEND = ("nengo.dists", "nengo.processes", "nengo.solvers", "nengo.ensemble")
NENGO_FRONTEND += ("nengo.connection", "nengo.base") + NENGO_TOPLEVEL_MODULES
NENGO_BACKEND = ("nengo.builder", "nengo.simulator", "nengo.exceptions", "nengo.cache")
#: Other external objects named in docstrings, with their documentation.
EXTERNAL_LINKS = {
    "numpy.random.Generator": "https://numpy.org/doc/stable/reference/random/generator.html"
    "#numpy.random.Generator",
    "ctypes": "https://docs.python.org/3/library/ctypes.html",
    "nengo_ocl.Simulator": "https://labs.nengo.ai/nengo-ocl/",
    "nengo_dl.Simulator": "https://www.nengo.ai/nengo-dl/reference.html#nengo_dl.Simulator",
}
#: References into these packages are shown as code when they cannot be linked.
EXTERNAL_PACKAGES = ("nengo", "nengo_ocl", "nengo_dl", "numpy", "scipy", "matplotlib")
EXTERNAL_PACKAGES += ("sklearn", "pyopencl", "ctypes", "threadpoolctl", "tensorflow")


def import_object(name):
    """The object a dotted ``name`` refers to, or None (imports modules, never runs scripts)."""
    parts = name.split(".")
    if not parts[0] or parts[0] == "examples":
        return None
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except Exception:  # noqa: BLE001 - anything an import can raise means "not this"
            continue
        try:
            for attr in parts[split:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def documented_objects(env):
    """``id(object) -> documented name`` of the Python objects the docs describe (cached)."""
    cache = getattr(env, "_nengo_fa_documented", None)
    if cache is None:
        cache = {}
        for fullname, entry in sorted(env.get_domain("py").objects.items()):
            if entry.aliased:
                continue
            obj = import_object(fullname)
            if inspect.ismodule(obj) or inspect.isclass(obj) or callable(obj):
                cache.setdefault(id(obj), fullname)
        env._nengo_fa_documented = cache
    return cache


def nengo_docs_url(obj):
    """Where Nengo's documentation describes ``obj``, or None."""
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", None))
    if inspect.ismodule(obj) or not module.startswith("nengo.") or name is None:
        return None
    import nengo

    if "." not in name and getattr(nengo, name, None) is obj:
        if module in NENGO_TOPLEVEL_MODULES or name in NENGO_TOPLEVEL_NAMES:
            page = "backend-api.html" if name == "Simulator" else "frontend-api.html"
            return f"{NENGO_DOCS}{page}#nengo.{name}"
    if name in NENGO_BUILDER_NAMES and module.startswith("nengo.builder"):
        return f"{NENGO_DOCS}backend-api.html#nengo.builder.{name}"
    if module.startswith(NENGO_BACKEND):
        return f"{NENGO_DOCS}backend-api.html#{module}.{name}"
    if module.startswith(NENGO_FRONTEND):
        return f"{NENGO_DOCS}frontend-api.html#{module}.{name}"
    return None


def _docstring_owner(node):
    """The object whose docstring holds ``node`` (source ``...:docstring of X``), or None."""
    while node is not None:
        match = re.search(r"docstring of (\S+)$", node.source or "")
        if match:
            return import_object(match.group(1))
        node = node.parent
    return None


def _namespaces(node):
    """Dotted names a reference in ``node`` may be relative to, innermost first.

    The current module and class, the module and class of the docstring's
    owner (a docstring of ``nengo_fa.builder.operators.X`` rendered under the
    public name ``nengo_fa.builder.X`` refers to names of ``operators``) and
    their parent packages.
    """
    spaces = []
    module, cls = node.get("py:module"), node.get("py:class")
    if module and cls:
        spaces.append(f"{module}.{cls}")
    owner = _docstring_owner(node)
    owner_module = getattr(owner, "__module__", None) if not inspect.ismodule(owner) else None
    if inspect.isclass(owner):
        spaces.append(f"{owner_module}.{owner.__qualname__}")
    for name in (
        getattr(owner, "__name__", None) if inspect.ismodule(owner) else None,
        owner_module,
        module,
    ):
        while name:
            spaces.append(name)
            name = name.rpartition(".")[0]
    return list(dict.fromkeys(spaces)), owner


def _candidates(node):
    target = node["reftarget"].lstrip("~.")
    spaces, _ = _namespaces(node)
    return [f"{space}.{target}" for space in spaces] + [target]


def _external(node, contnode, target):
    """A link to external documentation, or ``contnode`` itself for an external name."""
    url = EXTERNAL_LINKS.get(target)
    obj = import_object(target) if url is None else None
    if url is None and obj is not None:
        url = nengo_docs_url(obj)
    if url is not None:
        reference = nodes.reference("", "", internal=False, refuri=url, reftitle=target)
        reference += contnode
        return reference
    if target.split(".")[0] in EXTERNAL_PACKAGES:
        return contnode
    return None


def _pending(app, env, node, contnode, target):
    """A reference to a name documented elsewhere than the API (``nengo_fa_pending``)."""
    label = app.config.nengo_fa_pending.get(target)
    if label is None:
        return None
    if label not in env.get_domain("std").labels:
        return None
    docname, labelid, _ = env.get_domain("std").labels[label]
    return make_refnode(app.builder, node["refdoc"], docname, labelid, contnode, target)


def _field_of_owner(node, target):
    """Whether ``target`` is an attribute (annotated field) of the class owning the docstring."""
    _, owner = _namespaces(node)
    return inspect.isclass(owner) and target in getattr(owner, "__annotations__", {})


def resolve_reference(app, env, node, contnode):
    """``missing-reference``: aliases of documented objects, example imports, external names."""
    if node.get("refdomain") != "py":
        return None
    module = node.get("py:module") or ""
    target = node["reftarget"].lstrip("~.")
    pending = _pending(app, env, node, contnode, target)
    if pending is not None:
        return pending
    if _field_of_owner(node, target):
        return contnode
    candidates = _candidates(node)
    if module.startswith(EXAMPLE_MODULE):
        defined, imported = env.nengo_fa_examples.get(module[len(EXAMPLE_MODULE) :], ((), {}))
        head, _, rest = target.partition(".")
        if head in imported:
            candidates = [imported[head] + (f".{rest}" if rest else "")]
        elif head in defined:
            return contnode  # defined in the script itself: shown in its source below
    domain = env.get_domain("py")
    documented = documented_objects(env)
    for name in candidates:
        obj = import_object(name)
        if obj is None:
            continue
        fullname = documented.get(id(obj))
        if fullname is not None:
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, "obj", fullname, node, contnode
            )
        external = _external(node, contnode, name)
        if external is not None:
            return external
    for name in candidates:
        if name in EXTERNAL_LINKS or name.split(".")[0] in EXTERNAL_PACKAGES:
            return _external(node, contnode, name)
    return None


# --------------------------------------------------------------------------------------
# Signatures: Nengo's ``Default`` shown as the parameter's default value

_DEFAULT_ARGUMENT = re.compile(r"(\w+)=Default\b")


def resolve_defaults(app, what, name, obj, options, signature, return_annotation):
    """``autodoc-process-signature``: ``learning_rate=Default`` -> ``learning_rate=1.0``.

    Also gives a class whose base is mocked (`nengo_fa.ocl` without nengo-ocl
    installed) the signature of its own ``__init__`` instead of ``(*args, **kwargs)``.
    """
    if not inspect.isclass(obj):
        return None
    if signature == "(*args, **kwargs)" and inspect.isfunction(vars(obj).get("__init__")):
        init = inspect.signature(vars(obj)["__init__"])
        init = init.replace(parameters=list(init.parameters.values())[1:])
        return str(init), return_annotation
    if not signature or "Default" not in signature:
        return None
    from nengo.params import Parameter

    def default(match):
        param = inspect.getattr_static(obj, match.group(1), None)
        if isinstance(param, Parameter) and param.default is not None:
            return f"{match.group(1)}={param.default!r}"
        return match.group(0)

    return _DEFAULT_ARGUMENT.sub(default, signature), return_annotation


# --------------------------------------------------------------------------------------
# Every public name documented


def check_public_names(app, env):
    """Warn about every name in the ``__all__`` of ``nengo_fa_public_modules`` not documented."""
    documented = env.get_domain("py").objects
    for module_name in app.config.nengo_fa_public_modules:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            if f"{module_name}.{name}" not in documented:
                logger.warning(
                    f"{module_name}.{name} is public (in __all__) but not documented: "
                    f"add it to the API reference (docs/api/)"
                )


def setup(app):
    app.add_config_value("nengo_fa_examples", {}, "env")
    app.add_config_value("nengo_fa_pending", {}, "env")
    app.add_config_value("nengo_fa_public_modules", [], "env")
    app.connect("env-check-consistency", check_public_names)
    app.connect("autodoc-process-signature", resolve_defaults, priority=400)
    app.add_directive("results-tables", ResultsTables)
    app.connect("builder-inited", generate_example_pages)
    app.connect("missing-reference", resolve_reference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
