"""Classes resolved as Python resolves them: an import-aware inheritance closure over the source tree.

A base written in a class header (`AuditModel`, `mixins.AuditModel`, `viewsets.ModelViewSet`) is
looked up the way the interpreter would: the class body it sits in (for nested classes), the
module's own classes, its imports (absolute, relative, `import a.b as c`), plain aliases, then
its star imports. It ends at a project class (whose own bases are followed in turn) or at a
third-party dotted name (`rest_framework.viewsets.ModelViewSet`), which `bases.BaseTable` knows or
not. A name nothing binds falls back to a project class of that name when there is exactly one,
then to the few names DRF and Django users write bare. So a Django `LoginView(FormView)` is no
DRF view because some other `LoginView(APIView)` exists: its `FormView` resolves to Django.
"""

from __future__ import annotations

from dataclasses import dataclass

from backdev.repo.django.bases import BARE_NAMES, KINDS, VENDORED_ROOTS, BaseTable
from backdev.repo.django.sourcetree import ClassFact, SourceTree, module_key_of

MAX_DEPTH = 12


@dataclass(frozen=True)
class ClassRef:
    path: str
    qualname: str

    @property
    def key(self) -> str:
        return f"{self.path}:{self.qualname}"


@dataclass(frozen=True)
class ModuleRef:
    path: str


@dataclass(frozen=True)
class External:
    dotted: str


Target = ClassRef | ModuleRef | External | None


class ClassIndex:
    """Resolution and classification of every class of the source files of a `SourceTree`."""

    def __init__(self, tree: SourceTree, table: BaseTable) -> None:
        self.tree = tree
        self.table = table
        self._kinds: dict[ClassRef, str] = {}
        self._by_name: dict[str, list[ClassRef]] = {}
        for path in tree.sources:
            for qualname in tree.facts(path).classes:
                self._by_name.setdefault(qualname.rsplit(".", 1)[-1], []).append(ClassRef(path, qualname))

    def reset(self) -> None:
        """Forget the kinds (after more files were parsed and their facts became exact)."""
        self._kinds.clear()

    def fact(self, ref: ClassRef) -> ClassFact | None:
        return self.tree.facts(ref.path).classes.get(ref.qualname)

    # --- resolution ----------------------------------------------------------------------------

    def resolve(self, path: str, text: str, scope: str = "", depth: int = 0) -> Target:
        """What the dotted name `text`, written in `path` (inside class `scope`), refers to."""
        first, *rest = text.split(".")
        facts = self.tree.facts(path)
        target: Target = None
        while scope:  # a nested class sees the names of the class bodies around it
            if f"{scope}.{first}" in facts.classes:
                target = ClassRef(path, f"{scope}.{first}")
                break
            scope = scope.rpartition(".")[0]
        if target is None:
            target = self.lookup(path, first, depth)
        for attr in rest:
            target = self._attribute(target, attr, depth)
        return target

    def lookup(self, path: str, name: str, depth: int = 0) -> Target:
        """The module-level binding of `name` in the module at `path`."""
        if depth > MAX_DEPTH:
            return None
        facts = self.tree.facts(path)
        if name in facts.classes:
            return ClassRef(path, name)
        if name in facts.imports:
            return self._import(facts.imports[name], path, depth + 1)
        if name in facts.aliases and facts.aliases[name] != name:
            return self.resolve(path, facts.aliases[name], "", depth + 1)
        for star in facts.stars:
            module = self.tree.module_file(star, path)
            if module is not None and module != path:
                found = self.lookup(module, name, depth + 1)
                if found is not None:
                    return found
            elif module is None and not star.startswith("/") and self.table.kind_of(f"{star}.{name}"):
                return External(f"{star}.{name}")
        return None

    def _import(self, target: str, near: str, depth: int) -> Target:
        module, _, name = target.partition(":")
        if name:
            child = self._child_key(module, name)
            found = self.tree.module_file(child, near)
            if found is not None:  # `from pkg import submodule`
                return ModuleRef(found)
            file = self.tree.module_file(module, near)
            if file is not None:
                return self.lookup(file, name, depth)
            return None if module.startswith("/") else External(f"{module}.{name}")
        file = self.tree.module_file(module, near)
        if file is not None:
            return ModuleRef(file)
        return None if module.startswith("/") else External(module)

    @staticmethod
    def _child_key(module: str, name: str) -> str:
        if module.startswith("/"):
            return f"{module}/{name}" if module != "/" else f"/{name}"
        return f"{module}.{name}"

    def _attribute(self, target: Target, attr: str, depth: int) -> Target:
        if isinstance(target, External):
            return External(f"{target.dotted}.{attr}")
        if isinstance(target, ClassRef):
            nested = f"{target.qualname}.{attr}"
            return ClassRef(target.path, nested) if nested in self.tree.facts(target.path).classes else None
        if isinstance(target, ModuleRef):
            found = self.lookup(target.path, attr, depth + 1)
            if found is None:  # `import a` then `a.b.C`: b is a submodule
                sub = self.tree.module_file(f"{module_key_of(target.path)}/{attr}")
                return ModuleRef(sub) if sub else None
            return found
        return None

    # --- classification ------------------------------------------------------------------------

    def kind(self, ref: ClassRef, seen: frozenset[ClassRef] = frozenset()) -> str:
        """model, view, serializer, permission, or "" — from the resolved bases, however deep."""
        if ref in self._kinds:
            return self._kinds[ref]
        if ref in seen or len(seen) > MAX_DEPTH * 3:
            return ""
        fact = self.fact(ref)
        found: set[str] = set()
        scope = ref.qualname.rpartition(".")[0]
        for base in fact.bases if fact else []:
            target = self.resolve(ref.path, base, scope)
            if isinstance(target, ClassRef) and target != ref:
                found.add(self.kind(target, seen | {ref}))
            elif isinstance(target, External):
                found.add(self.table.kind_of(target.dotted))
            elif target is None:
                found.add(self._unbound(base, ref))
        kind = next((k for k in KINDS if k in found), "")
        if not kind and fact is not None and not any(found) and ref.qualname in VENDORED_ROOTS:
            kind = VENDORED_ROOTS[ref.qualname]
        self._kinds[ref] = kind
        return kind

    def _unbound(self, base: str, ref: ClassRef) -> str:
        """A base no statement binds (a star import of a package, a dynamic import)."""
        name = base.rsplit(".", 1)[-1]
        same = [c for c in self._by_name.get(name, []) if c != ref]
        if len(same) == 1 and "." not in base:
            return self.kind(same[0], frozenset({ref}))
        return BARE_NAMES.get(name, "")

    def project_bases(self, ref: ClassRef) -> list[ClassRef]:
        """The bases of `ref` that are project classes (for inherited fields)."""
        fact = self.fact(ref)
        scope = ref.qualname.rpartition(".")[0]
        found = [self.resolve(ref.path, b, scope) for b in (fact.bases if fact else [])]
        return [t for t in found if isinstance(t, ClassRef)]

    def classes(self) -> list[ClassRef]:
        """Every class of the source files, in file order."""
        return [ClassRef(path, q) for path in self.tree.sources for q in self.tree.facts(path).classes]
