"""metropipe.toml: loading, defaults, every diagnostic at its exact line and column, the schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from metropipe import __version__, build, manifest, parse
from metropipe.errors import UserError

SERVICES = "def classify(text: str, threshold: int) -> str:\n    return text\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "services.py").write_text(SERVICES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(root: Path, text: str) -> str:
    (root / "metropipe.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return "metropipe.toml"


def errors(root: Path, text: str) -> list[str]:
    with pytest.raises(UserError) as e:
        manifest.load(write(root, text))
    return [str(d) for d in e.value.diagnostics]


# --- what loads --------------------------------------------------------------------------


def test_the_minimal_form_from_the_issue(project: Path) -> None:
    m = manifest.load(write(project, """\
        [[export]]
        function = "classify"
        source = "services.py"
        targets = ["rust", "go", "c-linker"]
        """))
    [e] = m.exports
    assert (e.function, e.source, e.targets, e.out, e.mode, e.channel, e.options) == (
        "classify", "services.py", ("rust", "go", "c-linker"), ".", "namespace", None, {})
    assert e.id == ".:classify" and e.language == "python"
    assert m.root == project


def test_defaults_and_overrides(project: Path) -> None:
    (project / "src").mkdir()
    (project / "src" / "more.py").write_text(SERVICES, encoding="utf-8")
    m = manifest.load(write(project, """\
        [metropipe]
        out = "gen"
        mode = "flat"
        requires = ">=0.1"

        [[export]]
        function = "classify"
        source = "services.py"
        targets = ["python", "python"]

        [[export]]
        function = "classify"
        source = "./src/../src/more.py"
        targets = ["c"]
        out = "other/"
        mode = "unify"
        channel = "cls"

        [[export]]
        function = "raw_one"
        targets = ["python"]
        """))
    a, b, c = m.exports
    assert (a.out, a.mode, a.targets) == ("gen", "flat", ("python",))
    assert (b.source, b.out, b.mode, b.channel) == ("src/more.py", "other", "unify", "cls")
    assert (c.source, c.language, c.out) == (None, None, "gen")


def test_an_empty_manifest_has_no_exports(project: Path) -> None:
    assert manifest.load(write(project, "# nothing yet\n")).exports == []


# --- every diagnostic, at its line and column --------------------------------------------


def test_unknown_keys_with_did_you_mean(project: Path) -> None:
    assert errors(project, """\
        [metropipe]
        outt = "gen"

        [[exports]]
        function = "x"

        [[export]]
        function = "classify"
        sorce = "services.py"
        targets = ["python"]
        """) == [
        "metropipe.toml:2:1: error: unknown key 'outt' in [metropipe]; did you mean 'out'? (valid: requires, out, "
        "mode)",
        "metropipe.toml:4:1: error: unknown key 'exports'; did you mean 'export'? (valid: metropipe, export)",
        "metropipe.toml:9:1: error: unknown key 'sorce' in [[export]] #1; did you mean 'source'? (valid: function, "
        "targets, source, out, mode, channel, options)",
    ]


def test_wrong_types(project: Path) -> None:
    assert errors(project, """\
        [metropipe]
        mode = 3

        [[export]]
        function = ["classify"]
        source = "services.py"
        targets = "python"
        channel = true
        """) == [
        "metropipe.toml:2:8: error: 'mode' must be a string, not a number 3",
        'metropipe.toml:5:12: error: \'function\' must be a string, not an array ["classify"]',
        'metropipe.toml:7:11: error: \'targets\' must be an array of strings, not a string "python"; write targets '
        '= ["python"]',
        "metropipe.toml:8:11: error: 'channel' must be a string, not a boolean true",
    ]


def test_export_must_be_an_array_of_tables(project: Path) -> None:
    assert errors(project, """\
        [export]
        function = "classify"
        """) == ["metropipe.toml:1:1: error: 'export' must be an array of tables: write [[export]] (two brackets) "
                 "before each export"]


def test_missing_fields_point_at_the_table(project: Path) -> None:
    assert errors(project, """\
        [[export]]
        function = "classify"
        targets = ["python"]

          [[export]]
        source = "services.py"
        """) == [
        "metropipe.toml:5:3: error: [[export]] #2 is missing the required key 'function' (for example function = "
        '"classify")',
        "metropipe.toml:5:3: error: [[export]] #2 is missing the required key 'targets' (for example targets = "
        '["python", "c"])',
    ]


def test_bad_values(project: Path) -> None:
    assert errors(project, """\
        [[export]]
        function = "class"
        targets = []
        mode = "flatt"

        [[export]]
        function = "classify"
        targets = ["python"]
        channel = "-bad"
        """) == [
        "metropipe.toml:2:12: error: 'class' is a Python keyword, not a function name",
        "metropipe.toml:3:11: error: 'targets' is empty: name at least one of c, c-direct, c-linker, python, go, "
        "rust, java, csharp, js, ruby, bash",
        "metropipe.toml:4:8: error: mode 'flatt' is not one of namespace, flat, unify; did you mean 'flat'?",
        "metropipe.toml:9:11: error: invalid channel name '-bad': use letters, digits, '_', '.', '-', not starting "
        "with '.' or '-', at most 200",
    ]


def test_unknown_target_names_the_valid_ones_at_the_element(project: Path) -> None:
    assert errors(project, """\
        [[export]]
        function = "classify"
        source = "services.py"
        targets = [
            "python",   # fine
            "rusty",
        ]
        """) == ["metropipe.toml:6:5: error: unknown target 'rusty'; did you mean 'rust'? (valid targets: c, "
                 "c-direct, c-linker, python, go, rust, java, csharp, js, ruby, bash)"]


def test_a_target_not_available_yet(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "available_targets", lambda: ["c", "python"])
    assert errors(project, """\
        [[export]]
        function = "classify"
        targets = ["python", "java"]
        """) == [f"metropipe.toml:3:22: error: target 'java' is not available in metropipe {__version__} yet; "
                 "available now: c, python"]


def test_sources(project: Path) -> None:
    supported = ", ".join(sorted(parse.PARSERS))
    (project / "notes.txt").write_text("fn x() {}\n", encoding="utf-8")
    (project / "folder").mkdir()
    assert errors(project, """\
        [[export]]
        function = "classify"
        source = "service.py"
        targets = ["python"]

        [[export]]
        function = "other"
        source = "notes.txt"
        targets = ["python"]

        [[export]]
        function = "third"
        source = 'folder'
        targets = ["python"]
        """) == [
        "metropipe.toml:3:10: error: source file 'service.py' does not exist (paths are relative to the folder of "
        "metropipe.toml); did you mean 'services.py'?",
        f"metropipe.toml:8:10: error: cannot read signatures from '.txt' files (supported: {supported}); "
        "leave 'source' out for raw-bytes stubs",
        "metropipe.toml:13:10: error: source 'folder' is not a file",
    ]


def test_sources_are_relative_to_the_manifest_not_the_current_directory(project: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, '[[export]]\nfunction = "classify"\nsource = "services.py"\ntargets = ["python"]\n')
    (project / "elsewhere").mkdir()
    monkeypatch.chdir(project / "elsewhere")
    assert manifest.load("../metropipe.toml").exports[0].source == "services.py"


def test_function_not_in_its_source_points_at_the_manifest(project: Path) -> None:
    m = manifest.load(write(project, """\
        [[export]]
        function = "clasify"
        source = "services.py"
        targets = ["python"]
        """))
    with pytest.raises(UserError) as e:
        build.Engine(m).decide()
    assert [str(d) for d in e.value.diagnostics] == [
        "metropipe.toml:2:12: error: function 'clasify' not found in services.py; did you mean 'classify'? "
        "(module-level functions here: classify)"]


def test_duplicate_export_and_shadowed_module(project: Path) -> None:
    (project / "svc.py").write_text("def layout(a: int) -> int:\n    return a\n", encoding="utf-8")
    assert errors(project, """\
        [[export]]
        function = "classify"
        targets = ["python"]

        [[export]]
        function = "classify"
        targets = ["c"]

        [[export]]
        function = "layout"
        source = "svc.py"
        targets = ["python"]
        """) == [
        "metropipe.toml:6:12: error: 'classify' is already exported into '.' at metropipe.toml:2:12; export it "
        "once, with all its targets",
        "metropipe.toml:10:12: error: cannot write the Python files for 'layout' to metropipe/layout/: metropipe's "
        "own module 'metropipe.layout' would shadow them on import; use mode = \"unify\" (metropipe_stubs.py), or "
        "rename the function",
    ]


def test_options(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = manifest.target_options
    monkeypatch.setattr(manifest, "target_options",
                        lambda key: {"package": "str | None"} if key == "c" else real(key))
    assert errors(project, """\
        [[export]]
        function = "classify"
        targets = ["python", "c"]
        options = { c = { package = 3, pakage = "x" }, rust = {} }

        [[export]]
        function = "other"
        targets = ["python"]
        [export.options.python]
        anything = 1
        """) == [
        "metropipe.toml:4:29: error: option 'package' of target 'c' must be a string, not a number 3",
        "metropipe.toml:4:32: error: unknown option 'pakage' for target 'c'; did you mean 'package'? (options: "
        "package)",
        "metropipe.toml:4:48: error: options for 'rust', which is not one of this export's targets (python, c)",
        "metropipe.toml:10:1: error: unknown option 'anything' for target 'python' (it has no options)",
    ]


def test_every_problem_is_reported_at_once(project: Path) -> None:
    got = errors(project, """\
        [metropipe]
        mode = "flatt"

        [[export]]
        function = "classify"
        source = "nope.py"
        targets = ["pythn"]
        chanel = "x"
        """)
    assert [line.split(": error:")[0] for line in got] == [
        "metropipe.toml:2:8", "metropipe.toml:6:10", "metropipe.toml:7:12", "metropipe.toml:8:1"]


def test_invalid_toml(project: Path) -> None:
    assert errors(project, '[[export]]\nfunction = "classify"\ntargets = ["python"\n') == [
        "metropipe.toml:4:1: error: invalid TOML: Unclosed array"]


def test_no_manifest(project: Path) -> None:
    with pytest.raises(UserError) as e:
        manifest.load("metropipe.toml")
    assert str(e.value) == (f"metropipe: error: no metropipe.toml in {project} (pass --manifest FILE, or -C DIR to "
                            "run in another folder)")


# --- the required version ----------------------------------------------------------------


def test_requires_stops_before_anything_else(project: Path) -> None:
    assert errors(project, """\
        [metropipe]
        requires = ">=99"

        [[export]]
        newer_key = 1
        """) == [f"metropipe.toml:2:12: error: this project requires metropipe >=99, but this is metropipe "
                 f"{__version__}: install a matching version (pip install 'metropipe>=99')"]


def test_requires_invalid(project: Path) -> None:
    assert errors(project, '[metropipe]\nrequires = ">= one"\n') == [
        "metropipe.toml:2:12: error: invalid version specifier '>= one': cannot read '>= one' (write for example "
        "'>=0.1' or '>=0.1,<0.3')"]


@pytest.mark.parametrize(("version", "spec", "ok"), [
    ("0.1.0", ">=0.1", True), ("0.1.0", ">0.1", False), ("0.1.0", ">=0.1,<0.2", True), ("0.2.0", ">=0.1,<0.2", False),
    ("0.1.5", "==0.1.*", True), ("0.2.0", "==0.1.*", False), ("0.1.5", "!=0.1.*", False), ("0.1.0", "==0.1", True),
    ("0.1.3", "~=0.1.2", True), ("0.2.0", "~=0.1.2", False), ("1.4", "~=1.2", True), ("2.0", "~=1.2", False),
    ("0.1.0", "<=0.1.0", True), ("0.1.0.dev1", ">=0.1", True),
])
def test_satisfies(version: str, spec: str, ok: bool) -> None:
    assert manifest.satisfies(version, spec) is ok


# --- positions ---------------------------------------------------------------------------


def test_positions_of_keys_values_elements_and_inline_tables() -> None:
    text = textwrap.dedent('''\
        # a comment with "quotes" = and [brackets]
        [metropipe]   # trailing
        "out" = 'g e n'

        [[export]]
        function = """multi
        line"""
        targets = [ "a",
          # inside
          'b' ,
        ]
        options = { go = { package = "x" }, "c-linker" = {} }

        [export.options.rust]
        crate.name = "y"

        [[export]]
        function = "second"
        ''')
    pos = manifest.Positions("m.toml", text)
    at = {k: str(pos.at(k)) for k in [("metropipe", "out"), ("export", 0, "function"), ("export", 0, "targets", 0),
                                       ("export", 0, "targets", 1), ("export", 0, "options", "go", "package"),
                                       ("export", 0, "options", "c-linker"), ("export", 0, "options", "rust"),
                                       ("export", 0, "options", "rust", "crate", "name"), ("export", 1, "function"),
                                       ("export", 1, "missing")]}
    assert at == {
        ("metropipe", "out"): "m.toml:3:9",
        ("export", 0, "function"): "m.toml:6:12",
        ("export", 0, "targets", 0): "m.toml:8:13",
        ("export", 0, "targets", 1): "m.toml:10:3",
        ("export", 0, "options", "go", "package"): "m.toml:12:30",
        ("export", 0, "options", "c-linker"): "m.toml:12:50",
        ("export", 0, "options", "rust"): "m.toml:14:1",
        ("export", 0, "options", "rust", "crate", "name"): "m.toml:15:14",
        ("export", 1, "function"): "m.toml:18:12",
        ("export", 1, "missing"): "m.toml:17:1",
    }
    assert str(pos.at(("metropipe", "out"), value=False)) == "m.toml:3:1"


# --- the JSON Schema ---------------------------------------------------------------------


def test_the_shipped_schema_is_generated_from_the_dataclasses() -> None:
    assert manifest.SCHEMA_FILE.read_text(encoding="utf-8") == manifest.schema_text(), \
        "metropipe/manifest.schema.json is stale: run python -m metropipe.manifest"


def test_the_schema_accepts_what_load_accepts_and_rejects_the_rest() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(manifest.SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    good = {"metropipe": {"requires": ">=0.1", "out": "gen", "mode": "flat"},
            "export": [{"function": "classify", "source": "services.py", "targets": ["rust", "go", "c-linker"],
                        "options": {"go": {"package": "api"}}}]}
    jsonschema.validate(good, schema)
    for bad in [{"export": [{"function": "f"}]}, {"export": [{"function": "f", "targets": ["pythn"]}]},
                {"export": [{"function": "f", "targets": ["c"], "mode": "flatt"}]}, {"exports": []},
                {"export": [{"function": "f", "targets": []}]}]:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
