"""The informational commands: `personas`, `sessions` and `doctor` (plain text on stdout)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

from backdev import paths
from backdev.compose import Workspace, open_store, open_workspace
from backdev.llm.cost import format_cost, total_of
from backdev.personas.loader import discovery_dirs
from backdev.project import find_project_root


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


# --- personas ----------------------------------------------------------------------------------


def personas_command(args: argparse.Namespace, cwd: Path) -> int:
    from backdev.personas.loader import load_catalog  # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.settings import SettingsError

    try:
        catalog = open_workspace(cwd).catalog  # as a session here would see them: trusted or not
    except SettingsError:  # a broken .backdev.yaml: still list them, as an untrusted repository's
        catalog = load_catalog(find_project_root(cwd))
    if args.personas_command == "list":
        width = max((len(p.name) for p in catalog.personas.values()), default=4)
        for persona in catalog.personas.values():
            description = persona.description if len(persona.description) <= 90 else persona.description[:89] + "…"
            print(f"{persona.name.ljust(width)}  {persona.source:<26}  {description}")
        for hidden in catalog.shadowed:
            print(f"{hidden.name.ljust(width)}  {hidden.source:<26}  (hidden by an earlier folder: {hidden.path})")
        for withheld in catalog.withheld:
            print(f"{withheld.name.ljust(width)}  {withheld.source:<26}  (not used until you trust this repository: "
                  f"`backdev trust`; {withheld.path})")
        for failure in catalog.failures:
            print(f"failed to load {failure}", file=sys.stderr)
        return 0
    persona = catalog.get(args.name)
    print(f"name:        {persona.name}")
    print(f"source:      {persona.source}")
    print(f"file:        {persona.path}")
    print(f"description: {persona.description}")
    print(f"model:       {persona.model or '(not set: uses the model setting)'}")
    print(f"tools:       {', '.join(persona.tools) if persona.tools is not None else '(all)'}")
    print(f"workflow:    {_workflow_line(persona.workflow)}")
    for key, value in persona.ignored.items():
        print(f"ignored:     {key} = {value!r}")
    for note in persona.notes:
        print(f"note:        {note}")
    print("\n" + persona.prompt)
    return 0


def _workflow_line(path: Path | None) -> str:
    """The persona's workflow file and phases, or the error that makes it unusable."""
    # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.workflow.phases.definition import WorkflowError, load_workflow

    if path is None:
        return "(none: a plain chat)"
    try:
        workflow = load_workflow(path)
    except WorkflowError as exc:
        return f"cannot be used: {exc}"
    return f"{path} ({' → '.join(p.id for p in workflow.phases)})"


# --- sessions ----------------------------------------------------------------------------------


def sessions_command(args: argparse.Namespace, cwd: Path) -> int:
    # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.llm.cost import overrides_from_settings
    from backdev.safe_text import visible
    from backdev.session.export import export_markdown

    prices = overrides_from_settings(open_workspace(cwd).settings.prices)  # as /cost prices them: a repository's only if trusted
    store = open_store()
    action = args.sessions_command
    if action == "list":
        # Chats by default; `backdev review` runs with --reviews; everything of every folder with --all.
        root = None if args.all else str(find_project_root(cwd))
        kind = None if args.all else ("review" if getattr(args, "reviews", False) else "chat")
        rows = store.list_sessions(root, kind=kind)
        if not rows:
            what = "reviews" if kind == "review" else "sessions"
            print(f"No {what} yet." if args.all else f"No {what} in this folder (try --all).")
            return 0
        for row in rows:
            record = row.record
            _, cost = total_of(row.usage_by_model, prices)
            where = f"  {record.root}" if args.all else ""
            print(f"{record.id}  {_when(record.updated_at)}  {row.messages:>3} msgs  {record.persona:<18} "
                  f"{format_cost(cost):>9}  {record.title[:48]}{where}")
        return 0
    record = store.get_session(args.id)
    if action in ("show", "export"):
        text = visible(export_markdown(store, record, prices))  # a transcript is for reading: `cat` it safely
        output = getattr(args, "output", None)
        if output:
            try:
                Path(output).expanduser().write_text(text, encoding="utf-8")
            except OSError as exc:
                # loaded by the command that needs it: `backdev --help` stays fast
                from backdev.cli_errors import UsageError

                raise UsageError(f"Cannot write {output}: {exc.strerror}; give another --output.") from exc
            print(f"Wrote {output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    if action == "delete":
        store.delete_session(record.id)
        print(f"Deleted session {record.id} ({record.title[:60] or 'untitled'}).")
        return 0
    return 2


# --- doctor ------------------------------------------------------------------------------------


def doctor_command(cwd: Path) -> int:
    from backdev.compose import make_provider  # loaded by the command that needs it: `backdev --help` stays fast
    from backdev.llm.models import UnknownModelError, resolve_model
    from backdev.llm.errors import base_url_hint
    from backdev.settings import ProjectRule, SettingsError, setting_fields

    root = find_project_root(cwd)
    problems = 0
    print(f"Project folder: {root}\n\nSettings")
    try:
        workspace = open_workspace(cwd)
    except SettingsError as exc:
        print(f"  ✗ settings: {exc}")
        print("\n  The settings a config file may hold:")  # the list the error points to
        for spec in setting_fields():
            if spec.metadata["in_files"]:
                where = " (your config only, never a project's)" if spec.metadata["project"] is ProjectRule.NEVER else ""
                print(f"    {spec.name:<20} {spec.metadata['doc']}{where}")
        return 1
    settings, catalog = workspace.settings, workspace.catalog
    for spec in setting_fields():
        value = getattr(settings, spec.name)
        print(f"  {spec.name:<16} {_shown(spec, value):<34} {settings.source_of(spec.name)}")
    hint = base_url_hint(settings.base_url)
    if hint:
        problems += 1
        print(f"  ✗ settings: {hint}.")
    try:
        model = resolve_model(settings.model)
        print(f"  ✓ settings: model {settings.model} → {model.model_id}" + "".join(f"; {n}" for n in model.notes))
    except UnknownModelError as exc:
        problems += 1
        print(f"  ✗ settings: {exc}")
    _print_trust(workspace)

    print("\nPersonas")
    for source, folder in discovery_dirs(root):
        print(f"  searched {source:<26} {folder}{'' if folder.is_dir() else '  (absent)'}")
    for persona in catalog.personas.values():
        print(f"  ok    {persona.name:<22} {persona.source:<26} {persona.path}")
    for withheld in catalog.withheld:
        print(f"  held  {withheld.name:<22} {withheld.source:<26} {withheld.path} (not trusted)")
    for failure in catalog.failures:
        print(f"  fail  {failure}")
    verdict = "✓" if not catalog.failures and settings.persona in catalog.personas else "✗"
    problems += verdict == "✗"
    print(f"  {verdict} personas: {len(catalog.personas)} loaded, {len(catalog.failures)} failed; "
          f"default {settings.persona!r} {'found' if settings.persona in catalog.personas else 'NOT found'}")

    print("\nPaths")
    for label, folder in (("config", paths.config_dir()), ("data", paths.data_dir()), ("logs", paths.log_dir())):
        state = "exists" if folder.is_dir() else "created on first use"
        print(f"  {label:<8} {folder}  ({state})")
    print(f"  sessions {paths.session_db_path()}")
    writable = _first_existing(paths.data_dir())
    ok = os.access(writable, os.W_OK)
    problems += not ok
    print(f"  {'✓' if ok else '✗'} paths: {'writable' if ok else f'{writable} is not writable'}")

    print("\nDatabase")
    from backdev.db.context import doctor_report  # loaded by the command that needs it: `backdev --help` stays fast

    lines, failed = doctor_report(settings)
    problems += failed
    print("\n".join(lines))

    print("\nAPI")
    provider = make_provider(settings)
    print(f"  endpoint {settings.base_url or 'https://api.anthropic.com'}")
    if not provider.has_credentials:
        problems += 1
        from backdev.llm.errors import MISSING_KEY  # loaded by the command that needs it: `backdev --help` stays fast

        print(f"  ✗ API: {MISSING_KEY.outside_chat}")
        return 1
    started = time.perf_counter()
    try:
        answer = asyncio.run(provider.check())
        print(f"  ✓ API: answered in {time.perf_counter() - started:.2f} s (first model listed: {answer})")
    except Exception as exc:
        # loaded by the command that needs it: `backdev --help` stays fast
        from backdev.llm.errors import classify_exception

        failure = classify_exception(exc, model=settings.model, base_url=settings.base_url, timeout=settings.timeout,
                                     waited=time.perf_counter() - started, retries=settings.max_retries)
        problems += 1
        print(f"  ✗ API: {failure.outside_chat}")
    return 1 if problems else 0


def _shown(spec: Any, value: Any) -> str:
    """A setting's value as doctor prints it: secrets and header values masked."""
    from backdev.settings import mask_secret  # loaded by the command that needs it: `backdev --help` stays fast

    kind = spec.metadata["kind"]
    if kind == "secret":
        return mask_secret(value)
    if value in (None, {}, ()):
        return "(not set)"
    if kind == "headers":  # header values are often tokens
        return ", ".join(f"{name}: {mask_secret(header)}" for name, header in value.items())
    if kind == "database_url":
        from backdev.db.url import mask_url  # loaded by the command that needs it: `backdev --help` stays fast

        return mask_url(value)
    return str(value)


def _print_trust(workspace: Workspace) -> None:
    """The repository's configuration: trusted or not, and what it changes (or would)."""
    from backdev.trust import TrustState, TrustStore  # loaded by the command that needs it: `backdev --help` stays fast

    review = workspace.review
    if review is None:
        return
    state = TrustStore().state(review)
    if review.project.text is None and not review.catalog.withheld:
        print("\nProject configuration: none (no .backdev.yaml, no persona replacing yours)")
        return
    print(f"\nProject configuration ({review.project.file}): {state.value}")
    if state is TrustState.TRUSTED:
        print("  applied (trusted):")
    elif state is not TrustState.NOT_NEEDED:
        print("  ignored until you trust it (`backdev trust`):")
    for line in review.change_lines():
        print(line)


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")
