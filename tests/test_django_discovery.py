"""Every Django project of a repository found and summarised on its own, with its own test command."""

from __future__ import annotations

from pathlib import Path

from backdev.repo.detect import detect_stack, find_test_command
from backdev.repo.django.render import head_lines
from backdev.repo.overview import build_overview
from backdev.repo.repository import Repository, walk_files
from backdev.settings import Settings

from .django_project import names, only, summarize, write_tree
from .repo_helpers import commit_all

MONOREPO = {
    "package.json": '{"name": "monorepo", "private": true}\n',
    "apps/web/package.json": '{"name": "web"}\n',
    "apps/web/src/index.ts": "export const x = 1;\n",
    "apps/api/requirements/base.txt": "Django==5.1\ndjangorestframework\npsycopg[binary]\n",
    "apps/api/pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = plane.settings.test\n",
    "apps/api/manage.py": """
        import os
        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plane.settings.production")
    """,
    "apps/api/plane/__init__.py": "",
    "apps/api/plane/settings/__init__.py": "",
    "apps/api/plane/settings/common.py": """
        INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "plane.db", "plane.app"]
        ROOT_URLCONF = "plane.urls"
        AUTH_USER_MODEL = "db.User"
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "plane"}}
    """,
    "apps/api/plane/settings/production.py": "from .common import *  # noqa\nDEBUG = False\n",
    "apps/api/plane/settings/test.py": """
        from .common import *  # noqa
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    """,
    "apps/api/plane/urls.py": "from django.urls import include, path\nurlpatterns = [path('api/', include('plane.app.urls'))]\n",
    "apps/api/plane/db/__init__.py": "",
    "apps/api/plane/db/models/__init__.py": "from .user import User\n",
    "apps/api/plane/db/models/user.py": """
        from django.contrib.auth.models import AbstractBaseUser
        from django.db import models

        class User(AbstractBaseUser):
            email = models.EmailField(unique=True)
    """,
    "apps/api/plane/app/__init__.py": "",
    "apps/api/plane/app/urls.py": """
        from django.urls import path
        from .views import UserEndpoint
        urlpatterns = [path("users/me/", UserEndpoint.as_view(), name="me")]
    """,
    "apps/api/plane/app/views/__init__.py": "from .user import UserEndpoint\n",
    "apps/api/plane/app/views/user.py": """
        from rest_framework.views import APIView

        class UserEndpoint(APIView):
            pass
    """,
}


def test_django_in_a_subfolder_of_a_monorepo(git_repo: Path) -> None:
    write_tree(git_repo, MONOREPO)
    commit_all(git_repo, "monorepo")
    files = walk_files(git_repo)
    assert "Django" in detect_stack(git_repo, files) and "Django REST framework" in detect_stack(git_repo, files)
    facts = summarize(git_repo)
    assert [(p.root, p.kind) for p in facts.projects] == [("apps/api", "project")]
    api = only(facts, "apps/api")
    assert (api.settings_module, api.settings_path) == ("plane.settings.production", "apps/api/plane/settings/production.py")
    assert api.settings_chain == ["apps/api/plane/settings/production.py", "apps/api/plane/settings/common.py"]
    assert api.other_settings == {"plane.settings.test": "apps/api/pytest.ini"}
    assert api.other_databases == {"plane.settings.test": "default: SQLite (django.db.backends.sqlite3)"}
    assert [a.label for a in api.apps] == ["db", "app"] and api.auth_user_model == "db.User"
    assert names(api.models) == ["User"] and names(api.views) == ["UserEndpoint"]
    assert [(r.pattern, r.view) for r in api.routes] == [("/api/users/me/", "UserEndpoint")]
    for start in ("", "apps/api", "apps/api/plane/db"):  # the root of the monorepo, the project, deeper inside
        command = find_test_command(git_repo, files, start)
        assert command is not None and command.line() == "cd apps/api && python -m pytest"
    text = build_overview(Repository.open(git_repo), Settings(), start=git_repo / "apps" / "api").text
    assert "Test command: cd apps/api && python -m pytest (detected)" in text
    assert "## Django project at apps/api/ (static summary: read with ast, never imported)" in text
    assert "Database: default: PostgreSQL (django.db.backends.postgresql)" in text
    assert "  with plane.settings.test: default: SQLite (django.db.backends.sqlite3)" in text


def test_a_project_one_level_down_gets_its_test_command(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "README.md": "docs\n",
        "src/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'paperless.settings')\n",
        "src/paperless/__init__.py": "",
        "src/paperless/settings.py": "INSTALLED_APPS = ['documents']\n",
        "src/documents/__init__.py": "",
        "src/documents/models.py": "from django.db import models\nclass Document(models.Model):\n    title = models.CharField(max_length=9)\n",
    })
    files = walk_files(tmp_path)
    assert "Django" in detect_stack(tmp_path, files)
    command = find_test_command(tmp_path, files)
    assert command is not None and (command.args, command.folder) == (["python", "manage.py", "test"], "src")
    summary = only(summarize(tmp_path), "src")
    assert summary.settings_module == "paperless.settings" and names(summary.models) == ["Document"]
    assert [a.path for a in summary.apps] == ["src/documents"]


def test_a_library_with_example_projects_is_never_stitched_together(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": '[project]\nname = "shoplib"\ndependencies = ["django>=4.2"]\n',
        "setup.cfg": "[tool:pytest]\naddopts = --ds=tests.settings --reuse-db\n",
        "tests/settings.py": "INSTALLED_APPS = ['shoplib.catalogue']\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n",
        "src/shoplib/__init__.py": "",
        "src/shoplib/catalogue/__init__.py": "",
        "src/shoplib/catalogue/models.py": "from django.db import models\nclass Product(models.Model):\n    pass\n",
        "sandbox/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n",
        "sandbox/settings.py": """
            INSTALLED_APPS = ["shoplib.catalogue", "sandbox_extras"]
            DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "sandbox"}}
        """,
        "sandbox/sandbox_extras/__init__.py": "",
        "sandbox/sandbox_extras/models.py": "from shoplib.catalogue.models import Product\nclass Special(Product):\n    pass\n",
        "examples/blog/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'blog.settings')\n",
        "examples/blog/blog/__init__.py": "",
        "examples/blog/blog/settings.py": """
            INSTALLED_APPS = ["posts"]
            DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
        """,
        "examples/blog/posts/__init__.py": "",
        "examples/blog/posts/models.py": "from django.db import models\nclass Post(models.Model):\n    pass\n",
    })
    facts = summarize(tmp_path)
    assert [(p.root, p.kind) for p in facts.projects] == [("", "app"), ("sandbox", "project"), ("examples/blog", "project")]
    library, sandbox, blog = facts.projects
    assert names(library.models) == ["Product"] and library.settings_module == "tests.settings"
    assert names(sandbox.models) == ["Special"] and names(blog.models) == ["Post"]
    assert [e.value for e in sandbox.databases[0].engines] == ["MySQL (django.db.backends.mysql)"]
    assert [e.value for e in blog.databases[0].engines] == ["PostgreSQL (django.db.backends.postgresql)"]
    assert sandbox.shared_apps == {"Django app at the repository root": ["catalogue"]}
    assert "Also installs, summarised under Django app at the repository root: catalogue" in head_lines(sandbox)
    assert "Apps: sandbox_extras" in head_lines(sandbox)
    assert library.label == "Django app at the repository root" and blog.label == "Django project at examples/blog/"


def test_a_reusable_app_without_a_project(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "packages/widgets/pyproject.toml": '[project]\nname = "django-widgets"\ndependencies = ["Django>=4.2"]\n',
        "packages/widgets/widgets/__init__.py": "",
        "packages/widgets/widgets/models.py": "from django.db import models\nclass Widget(models.Model):\n    pass\n",
        "services/other/main.go": "package main\n",
    })
    facts = summarize(tmp_path)
    assert [(p.root, p.kind) for p in facts.projects] == [("packages/widgets", "app")]
    assert names(facts.projects[0].models) == ["Widget"]


def test_settings_named_only_by_the_pytest_configuration_or_by_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "config.django.base"\n',
        "config/__init__.py": "",
        "config/django/__init__.py": "",
        "config/django/base.py": """
            INSTALLED_APPS = ["styleguide.users"]
            AUTH_USER_MODEL = "users.BaseUser"
            ROOT_URLCONF = "config.urls"
        """,
        "styleguide/__init__.py": "",
        "styleguide/users/__init__.py": "",
        "styleguide/users/models.py": "from django.db import models\nclass BaseUser(models.Model):\n    pass\n",
        "other/proj/settings/__init__.py": "INSTALLED_APPS = ['things']\n",
        "other/proj/things/__init__.py": "",
        "taiga/projects/settings/__init__.py": "",
        "taiga/projects/settings/models.py": "from django.db import models\nclass UserSettings(models.Model):\n    pass\n",
    })
    facts = summarize(tmp_path)
    root = only(facts, "")
    assert (root.settings_module, root.auth_user_model) == ("config.django.base", "users.BaseUser")
    assert "UserSettings" in names(root.models)  # an app called settings is an app, not settings
    assert only(facts, "other/proj").settings_path == "other/proj/settings/__init__.py"


def test_run_tests_runs_the_detected_command_from_the_project_folder(git_repo: Path) -> None:
    from types import SimpleNamespace

    from backdev.repo.safety import SafetyPolicy
    from backdev.workflow.actions.tools import tests_command_for

    write_tree(git_repo, {**MONOREPO, "apps/api/plane/tests/test_user.py": "def test_x():\n    pass\n"})
    commit_all(git_repo, "monorepo")
    for start in (git_repo, git_repo / "apps" / "api"):
        workflow = SimpleNamespace(root=start, settings=Settings(), policy=SafetyPolicy())
        command, resolved, folder = tests_command_for(workflow, "plane/tests/test_user.py")  # type: ignore[arg-type]
        assert command == ["python", "-m", "pytest", "plane/tests/test_user.py"] and folder == git_repo / "apps" / "api"
        assert resolved[1:] == command[1:]
    configured = SimpleNamespace(root=git_repo, settings=Settings(test_command=("python", "-m", "pytest", "-q")),
                                 policy=SafetyPolicy())
    assert tests_command_for(configured, "")[2] == git_repo  # type: ignore[arg-type]
