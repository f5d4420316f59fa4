"""`@` completion over the file list: fuzzy, also after a partial path, best first."""

from __future__ import annotations

from backdev.repo.completion import PathIndex

FILES = [
    "README.md",
    "manage.py",
    "shop/__init__.py",
    "shop/models.py",
    "shop/views.py",
    "shop/serializers.py",
    "shop/tests/test_views.py",
    "orders/models.py",
    "orders/views.py",
    "orders/api/viewsets.py",
    "docs/overview.md",
    "Makefile",
]


def test_file_name_prefix_comes_first_then_name_substring_then_path() -> None:
    index = PathIndex(FILES)
    assert index.complete("views")[:3] == ["shop/views.py", "orders/views.py", "orders/api/viewsets.py"]
    assert index.complete("views")[3] == "shop/tests/test_views.py"  # the name holds it, not at the start
    assert index.complete("mak") == ["Makefile"]  # case-insensitive, original case kept


def test_after_a_partial_path() -> None:
    index = PathIndex(FILES)
    assert index.complete("shop/v")[:2] == ["shop/views.py", "shop/tests/test_views.py"]
    assert index.complete("orders/")[:1] == ["orders/"]  # the folder itself first (it attaches its listing)
    assert set(index.complete("orders/")[1:]) == {"orders/api/", "orders/models.py", "orders/views.py",
                                                 "orders/api/viewsets.py"}
    assert index.complete("orders/api/vi") == ["orders/api/viewsets.py"]


def test_fuzzy_subsequences() -> None:
    index = PathIndex(FILES)
    assert index.complete("shsrl") == ["shop/serializers.py"]
    assert index.complete("ordapvw") == ["orders/api/viewsets.py"]
    assert index.complete("sh/tst/vw")[0] == "shop/tests/test_views.py"
    assert index.complete("zzz") == []


def test_limit_and_empty_query() -> None:
    index = PathIndex(FILES)
    assert len(index.complete("s", limit=3)) == 3
    assert index.complete("")[:4] == ["docs/", "Makefile", "manage.py", "orders/"]  # the top level first


def test_typing_on_narrows_the_same_answers() -> None:
    index = PathIndex(FILES)
    typed = "ordapvw"
    for n in range(1, len(typed) + 1):
        fresh = PathIndex(FILES).complete(typed[:n])
        assert index.complete(typed[:n]) == fresh  # the incremental cache changes nothing
    assert index.complete("ordapvw") == ["orders/api/viewsets.py"]
    assert index.complete("sh") and index.complete("ord")  # going back and forth works too


def test_many_files_are_capped_and_ranked() -> None:
    files = [f"app{n}/models.py" for n in range(5000)] + ["core/models.py", "models.py"]
    found = PathIndex(files).complete("models.py", limit=5)
    assert found[0] == "models.py" and len(found) == 5


def test_a_command_that_takes_a_path_completes_its_argument_in_both_front_ends() -> None:
    from prompt_toolkit.document import Document

    from backdev.commands.base import CommandSpec
    from backdev.repl.completion import repl_completer
    from backdev.tui.completion import Completer

    specs = [CommandSpec("review", "PATH | --diff", "review a file", completes_paths=True),
             CommandSpec("export", "[PATH]", "write the transcript")]

    def commands(prefix: str) -> list[CommandSpec]:
        return [s for s in specs if f"/{s.name}".startswith(prefix)]

    index = PathIndex(FILES)
    app = Completer(commands, index)
    found = app.complete("/review shop/v", 14)
    assert found is not None and found.kind == "path" and found.start == 8
    assert found.candidates[0].value == "shop/views.py "  # the argument itself, no `@`
    assert found.apply("/review shop/v", found.candidates[0]) == ("/review shop/views.py ", 22)
    assert app.complete("/export shop/v", 14) is None  # a path to write, not a repository file
    assert app.complete("/review --d", 11) is None and app.complete("/review a.py b", 14) is None

    plain = repl_completer(commands, lambda: index)
    shown = [c.text for c in plain.get_completions(Document("/review shop/v"), None)]
    assert shown[:1] == ["shop/views.py"]
    assert not list(plain.get_completions(Document("/export shop/v"), None))
