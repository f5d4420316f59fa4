"""The Django summary at scale: a generated 5,000-file repository, cold and cached, against a baseline.

    python bench/bench_django.py [--files 5000] [--repeat 3] [--json]

The repository (a git repository in the temp folder) is a DRF monorepo: a frontend, and a backend
in `backend/` with apps of ten models each, their serializers and viewsets (some in `api/`
folders, abstract bases in `core/mixins.py`), routers, admin, forms, services, tests and templates,
filled up to `--files` with frontend and plain-Python files. Target (issue 14): the cold summary
≤ 2 s; the cached overview is read back, not parsed again. The baseline, run side by side in the
same process, is what a reader that parses every Python file with `ast` pays (`parse_all_s`): the
ratio shows what the quick scan saves. Every generated model, view and serializer must be named in
the overview (checked: the benchmark fails otherwise).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from backdev.repo.django.project import summarize_repository  # noqa: E402
from backdev.repo.overview import build_overview  # noqa: E402
from backdev.repo.repository import Repository  # noqa: E402
from backdev.settings import Settings  # noqa: E402

TARGETS = {"summary_cold_s": 2.0}
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.com"}


def _app_files(app: str, index: int, apps: int) -> dict[str, str]:
    names = [f"{app.title()}Item{m}" for m in range(10)]
    other = f"app{(index + 1) % apps:03d}"
    models = ["from django.db import models", "from core.mixins import AuditModel", ""]
    for m, name in enumerate(names):
        base = "AuditModel" if m % 2 else "models.Model"
        models += [f"class {name}({base}):", "    name = models.CharField(max_length=200, db_index=True)",
                   "    price = models.DecimalField(max_digits=10, decimal_places=2)",
                   f"    parent = models.ForeignKey('{other}.{other.title()}Item{m}', null=True, on_delete=models.SET_NULL)",
                   "    class Meta:", "        ordering = ['-id']", ""]
    serializers = ["from rest_framework import serializers", "from . import models", ""]
    views = ["from rest_framework import viewsets", "from . import models", "from .api import serializers", ""]
    for name in names:
        serializers += [f"class {name}Serializer(serializers.ModelSerializer):", "    class Meta:",
                        f"        model = models.{name}", "        fields = '__all__'", ""]
        views += [f"class {name}ViewSet(viewsets.ModelViewSet):", f"    queryset = models.{name}.objects.all()",
                  f"    serializer_class = serializers.{name}Serializer", ""]
    files = {
        "__init__.py": "", "apps.py": f"from django.apps import AppConfig\nclass Config(AppConfig):\n    name = '{app}'\n",
        "models.py": "\n".join(models), "api/__init__.py": "", "api/serializers.py": "\n".join(serializers),
        "views.py": "\n".join(views),
        "urls.py": "from rest_framework.routers import DefaultRouter\nfrom . import views\nrouter = DefaultRouter()\n"
                   + "".join(f"router.register('{n.lower()}', views.{n}ViewSet)\n" for n in names)
                   + "urlpatterns = router.urls\n",
        "admin.py": "from django.contrib import admin\nfrom . import models\n" + "".join(
            f"admin.site.register(models.{n})\n" for n in names),
        "forms.py": "from django import forms\nclass SearchForm(forms.Form):\n    q = forms.CharField()\n",
        "services.py": "".join(f"def handle_{m}(item):\n    return item\n\n" for m in range(20)),
        "migrations/__init__.py": "", "migrations/0001_initial.py": "from django.db import migrations\n",
        "templates/list.html": "<ul></ul>\n",
    }
    files.update({f"tests/test_{m}.py": f"def test_{m}():\n    assert True\n" for m in range(6)})
    return {f"backend/{app}/{path}": text for path, text in files.items()}


def generate(root: Path, count: int) -> tuple[int, int]:
    """Write the repository; return (apps, files)."""
    apps = max(1, count // 60)
    files: dict[str, str] = {
        "backend/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n",
        "backend/requirements.txt": "Django==5.1\ndjangorestframework\nmysqlclient\n",
        "backend/pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = config.settings\n",
        "backend/config/__init__.py": "",
        "backend/config/settings.py": "INSTALLED_APPS = ['rest_framework', 'core', " + ", ".join(
            f"'app{i:03d}'" for i in range(apps)) + "]\nROOT_URLCONF = 'config.urls'\n"
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': 'bench'}}\n",
        "backend/config/urls.py": "from django.urls import include, path\nurlpatterns = [\n" + "".join(
            f"    path('api/app{i:03d}/', include('app{i:03d}.urls')),\n" for i in range(apps)) + "]\n",
        "backend/core/__init__.py": "",
        "backend/core/mixins.py": "from django.db import models\nclass AuditModel(models.Model):\n"
                                  "    created = models.DateTimeField(auto_now_add=True)\n    class Meta:\n        abstract = True\n",
        "package.json": '{"private": true}\n',
    }
    for index in range(apps):
        files.update(_app_files(f"app{index:03d}", index, apps))
    filler = 0
    while len(files) < count:
        kind = filler % 3
        if kind == 0:
            files[f"frontend/src/components/c{filler}/index.tsx"] = f"export const C{filler} = () => null;\n"
        elif kind == 1:
            files[f"backend/scripts/tool{filler}.py"] = "".join(f"def step_{n}(x):\n    return x + {n}\n\n" for n in range(30))
        else:
            files[f"docs/page{filler}.md"] = f"# Page {filler}\n"
        filler += 1
    for path, text in files.items():
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "bench"], cwd=root, check=True, env=GIT_ENV)
    return apps, len(files)


def parse_all(root: Path, files: list[str]) -> int:
    """The baseline: read and `ast.parse` every Python file."""
    parsed = 0
    for path in files:
        if path.endswith(".py"):
            try:
                ast.parse((root / path).read_bytes())
                parsed += 1
            except (SyntaxError, ValueError):
                pass
    return parsed


def best(function, repeat: int):  # type: ignore[no-untyped-def]
    timings, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="backdev-bench-django-"))
    os.environ["BACKDEV_HOME"] = str(workdir / "home")  # never the person's own data folder
    try:
        root = workdir / "repo"
        root.mkdir()
        apps, count = generate(root, args.files)
        repo = Repository.open(root)
        files = repo.files()
        results: dict[str, float | int] = {"files": len(files), "python_files": sum(f.endswith(".py") for f in files)}
        baseline, parsed = best(lambda: parse_all(root, files), args.repeat)
        cold, facts = best(lambda: summarize_repository(root, files), args.repeat)
        project = facts.projects[0]
        results.update(parse_all_s=round(baseline, 3), summary_cold_s=round(cold, 3),
                       summary_to_parse_all=round(cold / baseline, 2), models=len(project.models),
                       views=len(project.views), serializers=len(project.serializers), routes=len(project.routes))
        start = time.perf_counter()
        first = build_overview(repo, Settings(), files=files)
        results["overview_cold_s"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        again = build_overview(repo, Settings(), files=files)
        results["overview_cached_s"] = round(time.perf_counter() - start, 3)
        assert again.from_cache and again.text == first.text
        missing = [n for m in project.models for n in (m.name,) if n not in first.text]
        missing += [v.name for v in project.views if v.name not in first.text]
        missing += [s.name for s in project.serializers if s.name not in first.text]
        results.update(overview_chars=len(first.text), budget_chars=Settings().overview_max_tokens * 4,
                       names_missing=len(missing), expected_models=apps * 10 + 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    met = {key: results[key] <= limit for key, limit in TARGETS.items()}
    ok = all(met.values()) and results["names_missing"] == 0 and results["models"] == results["expected_models"]
    if args.json:
        print(json.dumps({"results": results, "targets": TARGETS, "met": met, "ok": ok}, indent=2))
    else:
        for key, value in results.items():
            target = f"  (target ≤ {TARGETS[key]}: {'met' if met[key] else 'MISSED'})" if key in TARGETS else ""
            print(f"{key:24} {value}{target}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
