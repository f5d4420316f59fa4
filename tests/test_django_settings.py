"""Settings as Django would load them: imported modules, branches as alternatives, env and URL databases."""

from __future__ import annotations

from pathlib import Path

from backdev.repo.django.render import head_lines

from .django_project import only, summarize, write_tree

MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings.{}')\n"


def settings_project(tmp_path: Path, files: dict[str, str], module: str = "production") -> Path:
    return write_tree(tmp_path, {"manage.py": MANAGE.format(module), "conf/__init__.py": "",
                                 "conf/settings/__init__.py": "", **files})


def engines(tmp_path: Path, files: dict[str, str], module: str = "production") -> dict[str, list[tuple[str, str | None]]]:
    summary = only(summarize(settings_project(tmp_path, files, module)))
    return {d.alias: [(e.value, e.when) for e in d.engines] for d in summary.databases}


def database_line(tmp_path: Path, files: dict[str, str]) -> str:
    summary = only(summarize(settings_project(tmp_path, files)))
    return next(line for line in head_lines(summary) if line.startswith("Database:"))


def test_split_settings_follow_star_imports_and_later_changes(tmp_path: Path) -> None:
    root = settings_project(tmp_path, {
        "conf/settings/base.py": """
            DJANGO_APPS = ["django.contrib.auth"]
            LOCAL_APPS = ["shop"]
            INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS
            DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}
            ROOT_URLCONF = "conf.urls"
        """,
        "conf/settings/production.py": """
            from .base import *  # noqa: F403
            INSTALLED_APPS += ["orders"]
            INSTALLED_APPS.append("rest_framework")
            DATABASES["default"] = {"ENGINE": "django.db.backends.mysql", "NAME": "shop"}
            DATABASES["default"].update({"CONN_MAX_AGE": 60})
        """,
        "shop/__init__.py": "", "orders/__init__.py": "",
    })
    summary = only(summarize(root))
    assert summary.settings_chain == ["conf/settings/production.py", "conf/settings/base.py"]
    assert [a.label for a in summary.apps] == ["shop", "orders"] and summary.third_party_apps == ["rest_framework"]
    assert summary.root_urlconf == "conf.urls"
    assert [(d.alias, [e.value for e in d.engines]) for d in summary.databases] == [
        ("default", ["MySQL (django.db.backends.mysql)"])]


def test_if_else_branches_are_alternatives_with_their_condition(tmp_path: Path) -> None:
    assert database_line(tmp_path, {"conf/settings/production.py": """
        import os
        if os.environ.get("DB") == "mysql":
            DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "app"}}
        elif os.getenv("DB") == "postgres":
            DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
        else:
            DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
    """}) == ("Database: default: MySQL (django.db.backends.mysql) when DB=mysql; PostgreSQL "
              "(django.db.backends.postgresql) when DB=postgres; SQLite (django.db.backends.sqlite3) otherwise")


def test_constant_keys_env_engines_and_conditional_expressions(tmp_path: Path) -> None:
    assert engines(tmp_path, {"conf/settings/production.py": """
        import os
        DEFAULT_DB = "default"
        REPLICA = "replica"
        DATABASES = {
            DEFAULT_DB: {"ENGINE": os.environ.get("DB_ENGINE", "django.db.backends.mysql")},
            REPLICA: {"ENGINE": "django.db.backends.mysql" if os.environ.get("REPLICA_MYSQL") else "django.db.backends.sqlite3"},
        }
    """}) == {
        "default": [("set by the environment variable DB_ENGINE, default MySQL (django.db.backends.mysql)", None)],
        "replica": [("MySQL (django.db.backends.mysql)", "REPLICA_MYSQL is set"), ("SQLite (django.db.backends.sqlite3)", None)],
    }


def test_database_urls_from_env_db_and_dj_database_url(tmp_path: Path) -> None:
    assert engines(tmp_path, {"conf/settings/production.py": """
        import os
        import environ
        import dj_database_url
        env = environ.Env()
        DATABASES = {
            "default": env.db("DATABASE_URL", default="mysql://shop:shop@localhost/shop"),
            "analytics": dj_database_url.config(env="ANALYTICS_URL", default="postgres://localhost/a"),
            "legacy": dj_database_url.parse(os.environ["LEGACY_URL"]),
            "cache": dj_database_url.config(default="sqlite:///cache.db"),
        }
        DATABASES["default"]["ATOMIC_REQUESTS"] = True
    """}) == {
        "default": [("from the URL in DATABASE_URL (default MySQL URL)", None)],
        "analytics": [("from the URL in ANALYTICS_URL (default PostgreSQL URL)", None)],
        "legacy": [("from the URL in LEGACY_URL (the engine is the URL's scheme)", None)],
        "cache": [("from the URL in DATABASE_URL (default SQLite URL)", None)],
    }


def test_an_engine_left_to_the_environment_is_guessed_from_the_dependencies(tmp_path: Path) -> None:
    line = database_line(tmp_path, {
        "requirements.txt": "Django>=5\nmysqlclient==2.2\n",
        "docker-compose.yml": "services:\n  db:\n    image: mariadb:11\n",
        "conf/settings/production.py": "import environ\nenv = environ.Env()\nDATABASES = {'default': env.db()}\n",
    })
    assert line == ("Database: default: from the URL in DATABASE_URL (the engine is the URL's scheme) · likely MySQL "
                    "(mysqlclient in requirements.txt; a MySQL image in docker-compose.yml)")


def test_installed_apps_added_in_a_branch_say_when(tmp_path: Path) -> None:
    root = settings_project(tmp_path, {
        "conf/settings/production.py": """
            DEBUG = env_flag("DEBUG")
            INSTALLED_APPS = ["shop"]
            if DEBUG:
                INSTALLED_APPS += ["debug_toolbar"]
            if False:
                INSTALLED_APPS += ["never"]
        """,
        "shop/__init__.py": "",
    })
    summary = only(summarize(root))
    assert [a.label for a in summary.apps] == ["shop"] and summary.third_party_apps == ["debug_toolbar (when DEBUG)"]


def test_split_settings_include_and_a_local_module_kept_out_of_git(tmp_path: Path) -> None:
    assert engines(tmp_path, {
        "conf/settings/production.py": """
            from split_settings.tools import include, optional
            include("components/base.py", "components/data*.py", optional("local.py"))
            try:
                from .local import *
            except ImportError:
                pass
        """,
        "conf/settings/components/base.py": "INSTALLED_APPS = ['shop']\n",
        "conf/settings/components/database.py": "DATABASES = {'default': {'ENGINE': DB_ENGINE}}\nDB_ENGINE = 'x'\n",
        "conf/settings/local_example.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql'}}\n",
    }) == {"default": [("MySQL (django.db.backends.mysql)", None)]}


def test_an_engine_chosen_by_a_function_lists_what_it_may_choose(tmp_path: Path) -> None:
    assert engines(tmp_path, {
        "conf/settings/parsers.py": """
            import os
            def parse_db_settings(data_dir):
                engine = get_choice_from_env("APP_DBENGINE", {"sqlite", "mariadb"})
                if engine == "mariadb":
                    return {"default": {"ENGINE": "django.db.backends.mysql"}}
                return {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": data_dir}}
        """,
        "conf/settings/production.py": "from .parsers import parse_db_settings\nDATABASES = parse_db_settings('/data')\n",
    }) == {"default": [("one of MySQL, SQLite (chosen by parse_db_settings() from APP_DBENGINE)", None)]}


def test_settings_of_two_projects_are_never_merged(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "one/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'one.settings')\n",
        "one/one/__init__.py": "",
        "one/one/settings.py": "INSTALLED_APPS = ['a']\nDATABASES = {'default': {'ENGINE': 'django.db.backends.mysql'}}\n",
        "two/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'two.settings')\n",
        "two/two/__init__.py": "",
        "two/two/settings.py": "INSTALLED_APPS = ['b']\nROOT_URLCONF = 'two.urls'\n",
    })
    facts = summarize(tmp_path)
    one, two = only(facts, "one"), only(facts, "two")
    assert [d.engines[0].value for d in one.databases] == ["MySQL (django.db.backends.mysql)"] and two.databases == []
    assert one.root_urlconf is None and two.root_urlconf == "two.urls"
    assert "Database: not found in the settings" in head_lines(two)


def test_class_based_settings_of_django_configurations(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "manage.py": """
            import os
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings")
            os.environ.setdefault("DJANGO_CONFIGURATION", "Prod")
        """,
        "conf/__init__.py": "",
        "conf/settings.py": """
            from configurations import Configuration, values

            class Common(Configuration):
                INSTALLED_APPS = ["shop"]
                DATABASES = values.DatabaseURLValue("sqlite:///db.sqlite3")

            class Dev(Common):
                DEBUG = True

            class Prod(Common):
                INSTALLED_APPS = Common.INSTALLED_APPS
                DATABASES = values.DatabaseURLValue("mysql://shop@db/shop")
                AUTH_USER_MODEL = values.Value("shop.Customer")
        """,
        "shop/__init__.py": "",
    })
    summary = only(summarize(root))
    assert [a.label for a in summary.apps] == ["shop"] and summary.auth_user_model == "shop.Customer"
    assert [(d.alias, [e.value for e in d.engines]) for d in summary.databases] == [
        ("default", ["from the URL in DATABASE_URL (default MySQL URL)"])]
