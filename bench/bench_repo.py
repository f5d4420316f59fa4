"""Repository context at scale: file list, @ completion, Django summary, overview; peak memory.

    python bench/bench_repo.py [--files 100000] [--keystrokes 1000] [--models 200] [--fresh] [--json]

A synthetic repository of `--files` tracked files is built once with git plumbing (a few blobs,
`update-index --index-info`, `write-tree`, `commit-tree`, then `checkout-index` to write the
working tree) and cached under the system temp folder; `--fresh` rebuilds it. Targets (issue 3):
file list ≤ 1.5 s, completion p95 ≤ 20 ms per keystroke, Django summary of 200 models ≤ 2 s, peak
memory ≤ 300 MB. The file list is also shown as a ratio to the same `git ls-files --cached --others
--exclude-standard` run bare in the same process (the floor any listing through git has to pay).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from synthetic import file_paths, keystrokes  # noqa: E402

from backdev.repo.completion import PathIndex  # noqa: E402
from backdev.repo.django.project import summarize_django  # noqa: E402
from backdev.repo.django.render import render_project  # noqa: E402
from backdev.repo.overview import build_overview  # noqa: E402
from backdev.repo.repository import Repository, walk_files  # noqa: E402
from backdev.settings import Settings  # noqa: E402

CACHE_VERSION = 1
TARGETS = {"file_list_s": 1.5, "completion_p95_ms": 20.0, "django_summary_s": 2.0, "peak_rss_mb": 300.0}
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}


def git(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, input=input, check=True, capture_output=True).stdout


def build_repository(count: int, fresh: bool) -> Path:
    """The cached synthetic repository with `count` tracked files (built in a few seconds)."""
    root = Path(tempfile.gettempdir()) / f"backdev-bench-repo-{count}-v{CACHE_VERSION}"
    marker = root / ".git" / "backdev-bench-complete"
    if marker.exists() and not fresh:
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    templates = [f'"""Module {n}."""\n\n\ndef handler_{n}(request):\n    return {n}\n'.encode() for n in range(40)]
    blobs = [git(root, "hash-object", "-w", "--stdin", input=t).decode().strip() for t in templates]
    paths = file_paths(count)
    index_info = "".join(f"100644 {blobs[i % len(blobs)]}\t{p}\n" for i, p in enumerate(paths)).encode()
    git(root, "update-index", "--add", "--index-info", input=index_info)
    tree = git(root, "write-tree").decode().strip()
    commit = git(root, "commit-tree", tree, "-m", "synthetic repository", ).decode().strip()
    git(root, "update-ref", "refs/heads/main", commit)
    # The working tree, so status and untracked scans are real (parallel: writing 100k files is the slow part).
    git(root, "-c", "checkout.workers=0", "-c", "checkout.thresholdForParallelism=100", "checkout-index", "-a", "-f")
    git(root, "update-index", "-q", "--refresh")
    marker.write_text("ok\n")
    return root


def write_django_project(root: Path, models: int) -> Path:
    """A Django/DRF project with `models` models in apps of ten, related across apps."""
    shutil.rmtree(root, ignore_errors=True)
    apps = [f"app{n:02d}" for n in range(max(1, models // 10))]
    (root / "site").mkdir(parents=True)
    (root / "manage.py").write_text("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n")
    (root / "site" / "__init__.py").write_text("")
    installed = ", ".join(f'"{a}"' for a in apps)
    (root / "site" / "settings.py").write_text(
        f"INSTALLED_APPS = ['django.contrib.auth', 'rest_framework', {installed}]\nROOT_URLCONF = 'site.urls'\n"
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': 'bench'}}\n")
    includes = "\n".join(f"    path('{a}/', include('{a}.urls'))," for a in apps)
    (root / "site" / "urls.py").write_text(f"from django.urls import include, path\nurlpatterns = [\n{includes}\n]\n")
    made = 0
    for index, app in enumerate(apps):
        folder = root / app
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        names = [f"Item{index:02d}x{m}" for m in range(10) if made + m < models]
        made += len(names)
        other = apps[(index + 1) % len(apps)]
        body = ["from django.db import models", ""]
        for m, name in enumerate(names):
            target = f"'{other}.Item{(index + 1) % len(apps):02d}x{m}'" if m % 3 == 0 else "'self'"
            body += [
                f"class {name}(models.Model):",
                "    name = models.CharField(max_length=200, db_index=True)",
                "    slug = models.SlugField(unique=True)",
                "    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)",
                "    created = models.DateTimeField(auto_now_add=True)",
                f"    parent = models.ForeignKey({target}, null=True, on_delete=models.SET_NULL, related_name='+')",
                "    tags = models.ManyToManyField('self', blank=True)",
                "    active = models.BooleanField(default=True)",
                "    class Meta:",
                "        ordering = ['-created']",
                f"        indexes = [models.Index(fields=['name', 'price'], name='{app}_{m}_idx')]",
                "",
            ]
        (folder / "models.py").write_text("\n".join(body))
        serializers = ["from rest_framework import serializers", "from . import models", ""]
        views = ["from rest_framework import viewsets", "from . import models, serializers", ""]
        registrations = []
        for name in names:
            serializers += [f"class {name}Serializer(serializers.ModelSerializer):", "    class Meta:",
                            f"        model = models.{name}", "        fields = '__all__'", ""]
            views += [f"class {name}ViewSet(viewsets.ModelViewSet):", f"    queryset = models.{name}.objects.all()",
                      f"    serializer_class = serializers.{name}Serializer", ""]
            registrations.append(f"router.register(r'{name.lower()}', views.{name}ViewSet)")
        (folder / "serializers.py").write_text("\n".join(serializers))
        (folder / "views.py").write_text("\n".join(views))
        (folder / "urls.py").write_text("from rest_framework.routers import DefaultRouter\nfrom . import views\n"
                                        "router = DefaultRouter()\n" + "\n".join(registrations) + "\nurlpatterns = router.urls\n")
    return root


def timed(function, repeat: int = 3):  # type: ignore[no-untyped-def]
    """(best seconds, last result) over `repeat` runs."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--keystrokes", type=int, default=1000)
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached synthetic repository")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    # Never the person's own data folder: the overview cache goes to a throwaway home.
    home = tempfile.mkdtemp(prefix="backdev-bench-home-")
    os.environ["BACKDEV_HOME"] = home
    try:
        return run(args)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    results: dict[str, float | int | str] = {}
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    start = time.perf_counter()
    root = build_repository(args.files, args.fresh)
    results["repo_setup_s"] = round(time.perf_counter() - start, 2)

    repo = Repository.open(root)
    tracked, _ = timed(lambda: subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True))
    same, _ = timed(lambda: subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                                           cwd=root, capture_output=True, check=True))
    list_time, files = timed(repo.files)
    results.update(files=len(files), file_list_s=round(list_time, 3), git_tracked_only_s=round(tracked, 3),
                   git_same_listing_s=round(same, 3), file_list_ratio_to_git=round(list_time / same, 2))

    start = time.perf_counter()
    index = PathIndex(files)
    results["index_build_s"] = round(time.perf_counter() - start, 3)
    typed = keystrokes(files, args.keystrokes)
    durations = []
    for query in typed:
        start = time.perf_counter()
        index.complete(query, 20)
        durations.append((time.perf_counter() - start) * 1000)
    durations.sort()
    results.update(keystrokes=len(typed), completion_p50_ms=round(statistics.median(durations), 2),
                   completion_p95_ms=round(durations[int(len(durations) * 0.95) - 1], 2),
                   completion_max_ms=round(durations[-1], 2))

    start = time.perf_counter()
    info = repo.info()
    results["repo_info_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    overview = build_overview(repo, Settings(), files=files, info=info)
    results["overview_100k_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    cached = build_overview(repo, Settings(), files=files, info=info)
    results["overview_100k_cached_s"] = round(time.perf_counter() - start, 3)
    assert cached.from_cache and cached.text == overview.text

    with tempfile.TemporaryDirectory() as folder:
        project = write_django_project(Path(folder) / "site", args.models)
        project_files = walk_files(project)
        summary_time, summary = timed(lambda: summarize_django(project, project_files))
        text = render_project(summary).text
        results.update(django_models=len(summary.models), django_routes=len(summary.routes),
                       django_summary_s=round(summary_time, 3), django_summary_chars=len(text))
        start = time.perf_counter()
        django_overview = build_overview(Repository.open(project), Settings())
        results["django_overview_s"] = round(time.perf_counter() - start, 3)
        results["django_overview_chars"] = len(django_overview.text)

    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["rss_at_start_mb"] = round(rss_start, 1)
    verdicts = {key: results[key] <= limit for key, limit in TARGETS.items()}  # type: ignore[operator]
    if args.json:
        print(json.dumps({"results": results, "targets": TARGETS, "met": verdicts}, indent=2))
    else:
        for key, value in results.items():
            target = f"  (target ≤ {TARGETS[key]}: {'met' if verdicts[key] else 'MISSED'})" if key in TARGETS else ""
            print(f"{key:28} {value}{target}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
