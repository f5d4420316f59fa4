"""Files in syntax newer than the running Python are still summarised; a file that cannot be parsed is named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from backdev.repo.django.parsing import parse_python
from backdev.repo.django.render import render_project

from .django_project import names, only, summarize, write_tree

NEWER = {
    "pep701 nested quotes": 'label = f"{"-".join(parts)}"\n',
    "pep701 backslash": 'label = f"{"\\n".join(parts)}"\n',
    "pep701 multi-line": 'label = f"{\n    value  # a comment\n}"\n',
    "pep695 generic function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "pep695 type alias": "type Pair[T] = tuple[T, T]\n",
    "pep696 type default (3.13)": "class Box[T = int]:\n    pass\n",
    "pep758 except without parentheses (3.14)": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    "pep750 template string (3.14)": 'greeting = t"hello {name}"\n',
}


@pytest.mark.parametrize("source", list(NEWER.values()), ids=list(NEWER))
def test_newer_syntax_is_rewritten_and_parsed_with_lines_kept(source: str) -> None:
    text = source + "\nclass Late(models.Model):\n    name = models.CharField(max_length=9)\n"
    with pytest.raises(SyntaxError):
        ast.parse(text)  # the running interpreter (3.11) cannot
    parsed = parse_python(text.encode(), "x.py")
    assert parsed.module is not None and parsed.newer_syntax and parsed.problem is None
    late = next(n for n in ast.walk(parsed.module) if isinstance(n, ast.ClassDef) and n.name == "Late")
    assert late.lineno == text.splitlines().index("class Late(models.Model):") + 1


def test_a_models_file_in_python_312_syntax_is_summarised(tmp_path: Path) -> None:
    models = "\n".join(
        [f'class Item{n}[T](models.Model):\n    name = models.CharField(help_text=f"{"item"} {n}")\n' for n in range(8)])
    root = write_tree(tmp_path, {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
        "conf/__init__.py": "", "conf/settings.py": "INSTALLED_APPS = ['shop']\n", "shop/__init__.py": "",
        "shop/models.py": "from django.db import models\n\n" + models,
    })
    summary = only(summarize(root))
    assert names(summary.models) == [f"Item{n}" for n in range(8)]
    assert summary.models[0].fields[0].options == {"help_text": "'item 0'"}  # the f-string's text
    assert summary.problems == []


def test_a_file_that_cannot_be_parsed_is_named_with_the_reason(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
        "conf/__init__.py": "", "conf/settings.py": "INSTALLED_APPS = ['shop']\n", "shop/__init__.py": "",
        "shop/models.py": "from django.db import models\n\nclass Broken(models.Model:\n    pass\n",
    })
    (root / "shop" / "views.py").write_bytes(b"class A:\n    x = '\x00'\n")
    summary = only(summarize(root))
    assert summary.problems == ["shop/models.py: syntax error on line 3: invalid syntax",
                                "shop/views.py: cannot be parsed (source code string cannot contain null bytes)"]
    assert "Not summarised: shop/models.py: syntax error on line 3: invalid syntax" in render_project(summary).text
