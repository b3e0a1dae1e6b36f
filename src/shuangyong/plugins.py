"""Loading rule packs: entry points, explicit plugin lists, and what each registered.

One plugin manager per engine and no module-level state.  Packs come from
the ``shuangyong.rulepacks`` entry-point group (:func:`discover`) or are
handed over directly (``Engine(plugins=[...])``).  Each hook implementation
is called on its own with a ``register`` bound to its pack, so a clash names
both packs.  A pack that fails to import, to register, or to validate (a
hook name with a typo) raises :class:`RulePackLoadError` naming the pack,
its distribution and the stage, chained to the cause; nothing is skipped
silently.  ``SHUANGYONG_PACKS=hubei,jiangsu`` limits discovery to an exact
list, so a county's run is reproducible from its pack list.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pluggy
from attrs import field, frozen

from . import hookspecs
from .errors import RuleConflictError, RulePackLoadError, ShuangyongError
from .ids import NATIONAL, validate_region
from .params import Parameter, load_parameters
from .rules import BenefitRule

__all__ = ["ENTRY_POINT_GROUP", "hookimpl", "PackInfo", "RuleRegistration", "Registry", "discover", "load_registry"]

ENTRY_POINT_GROUP = "shuangyong.rulepacks"

#: The marker rule packs put on their hook implementations: ``@sy.hookimpl``.
hookimpl = pluggy.HookimplMarker("shuangyong")

_HOOK_ORDER = (
    "shuangyong_parameters",
    "shuangyong_rules",
    "shuangyong_item_types",
    "shuangyong_schemes",
    "shuangyong_placement_schemes",
    "shuangyong_bank_formats",
    "shuangyong_campaign_plans",
)


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    """A named converter: attrs' mypy plugin types ``converter=tuple`` as taking ``Iterable[_T_co]``."""
    return tuple(values)


@frozen(kw_only=True)
class PackInfo:
    """Who a pack is: name, version, title, jurisdictions, sources, and where it came from."""

    name: str
    version: str = ""
    title: str = ""
    jurisdictions: tuple[str, ...] = field(converter=_str_tuple, factory=tuple)
    sources: tuple[str, ...] = field(converter=_str_tuple, factory=tuple)
    distribution: str = ""
    module: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "jurisdictions": list(self.jurisdictions),
            "sources": list(self.sources),
            "distribution": self.distribution,
            "module": self.module,
        }


@frozen(kw_only=True)
class RuleRegistration:
    """One rule as a pack registered it for one jurisdiction."""

    rule: BenefitRule
    jurisdiction: str
    pack: str
    replaces: str | None = None
    extends: str | None = None

    @property
    def code(self) -> str:
        return self.rule.code


class Registry:
    """Everything the loaded packs registered, in load order."""

    def __init__(self) -> None:
        self.packs: list[PackInfo] = []
        self.rules: list[RuleRegistration] = []
        self.parameters: list[Parameter] = []
        self.schemes: dict[str, tuple[str, Any]] = {}
        self.placement_schemes: dict[str, tuple[str, Any]] = {}
        self.item_types: dict[str, tuple[str, Callable[..., Any]]] = {}
        #: Campaign plans and visit schemes by code (issue 17; see ``shuangyong.campaigns``).
        self.campaign_plans: dict[str, tuple[str, Any]] = {}
        self._rule_keys: dict[tuple[str, str], str] = {}
        self.bank_formats: dict[str, tuple[str, Any]] = {}

    def pack(self, name: str) -> PackInfo | None:
        return next((p for p in self.packs if p.name == name), None)

    # -- register callbacks, one set per pack ---------------------------------------
    def register_bank_formats(self, pack: str) -> Callable[..., None]:
        def register(fmt: Any) -> None:
            name = getattr(fmt, "name", None)
            if not name or not callable(getattr(fmt, "write", None)):
                raise TypeError("register() takes a bank format with a name and write() (see shuangyong.ledger.bank.BankFormat)")
            if name in self.bank_formats:
                raise RuleConflictError(name, "-", self.bank_formats[name][0], pack, kind="bank format")
            self.bank_formats[name] = (pack, fmt)

        return register

    def register_parameters(self, pack: str) -> Callable[..., None]:
        def register(path: str | os.PathLike[str], jurisdiction: str | None = None) -> None:
            j = _jurisdiction(jurisdiction) if jurisdiction is not None else None
            self.parameters.extend(load_parameters(Path(path), j, pack))

        return register

    def register_rules(self, pack: str) -> Callable[..., None]:
        def register(
            rule: BenefitRule, jurisdiction: str = NATIONAL, replaces: str | None = None, extends: str | None = None
        ) -> None:
            if not isinstance(rule, BenefitRule):
                raise TypeError(f"register() takes a BenefitRule (made with @sy.rule), not {type(rule).__name__}")
            if replaces and extends:
                raise ValueError(f"rule {rule.code!r}: give replaces= or extends=, not both")
            j = _jurisdiction(jurisdiction)
            key = (rule.code, j)
            if key in self._rule_keys:
                raise RuleConflictError(rule.code, j, self._rule_keys[key], pack)
            self._rule_keys[key] = pack
            self.rules.append(RuleRegistration(rule=rule, jurisdiction=j, pack=pack, replaces=replaces, extends=extends))

        return register

    def register_schemes(self, pack: str) -> Callable[..., None]:
        from .assessment.schemes import load_scheme

        return _scheme_register(pack, self.schemes, load_scheme, "scheme")

    def register_placement_schemes(self, pack: str) -> Callable[..., None]:
        from .placement.points import load_placement_scheme

        return _scheme_register(pack, self.placement_schemes, load_placement_scheme, "placement scheme")

    def register_campaign_plans(self, pack: str) -> Callable[..., None]:
        from .campaigns.registry import load_campaign_file

        return _scheme_register(pack, self.campaign_plans, load_campaign_file, "campaign plan")

    def register_item_types(self, pack: str) -> Callable[..., None]:
        def register(name: str, scorer: Callable[..., Any]) -> None:
            if name in self.item_types:
                raise RuleConflictError(name, "-", self.item_types[name][0], pack, kind="item type")
            self.item_types[name] = (pack, scorer)

        return register


def _scheme_register(pack: str, into: dict[str, tuple[str, Any]], load: Callable[[Any], Any], kind: str) -> Callable[..., None]:
    """A ``register`` taking a scheme object, a TOML file, or a folder of them (each ``*.toml``, sorted)."""

    def register(scheme: Any) -> None:
        if isinstance(scheme, (str, os.PathLike)) and Path(scheme).is_dir():
            for path in sorted(Path(scheme).glob("*.toml")):
                register(path)
            return
        obj = load(scheme) if isinstance(scheme, (str, os.PathLike)) else scheme
        if obj.code in into:
            raise RuleConflictError(obj.code, "-", into[obj.code][0], pack, kind=kind)
        into[obj.code] = (pack, obj)

    return register


def _jurisdiction(code: str) -> str:
    return NATIONAL if code in (NATIONAL, "", None) else validate_region(str(code))


def discover(only: Iterable[str] | None = None) -> list[tuple[str, object, str]]:
    """Import the installed packs of the ``shuangyong.rulepacks`` entry-point group.

    Returns ``(name, module, "distribution version")``.  ``only`` (or the
    ``SHUANGYONG_PACKS`` environment variable, comma-separated) restricts the
    list; a pack asked for and not installed is an error.
    """
    from importlib.metadata import entry_points

    if only is None and os.environ.get("SHUANGYONG_PACKS"):
        only = [s.strip() for s in os.environ["SHUANGYONG_PACKS"].split(",") if s.strip()]
    wanted = set(only) if only is not None else None
    found: list[tuple[str, object, str]] = []
    seen: set[str] = set()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if wanted is not None and ep.name not in wanted:
            continue
        if ep.name in seen:
            continue  # the same distribution seen twice on sys.path
        seen.add(ep.name)
        dist = f"{ep.dist.name} {ep.dist.version}" if ep.dist is not None else ""
        try:
            obj = ep.load()
        except SystemExit as e:
            # A pack that calls sys.exit at import would otherwise end the whole program silently (exit 0).
            raise RulePackLoadError(ep.name, "import", f"called sys.exit({e.code!r}) while being imported", dist) from e
        except Exception as e:
            raise RulePackLoadError(ep.name, "import", f"{type(e).__name__}: {e}", dist) from e
        found.append((ep.name, obj, dist))
    if wanted is not None:
        missing = wanted - seen - {NATIONAL}
        if missing:
            raise RulePackLoadError(", ".join(sorted(missing)), "import", "asked for but not installed (no such entry point)")
    return found


def _plugin_name(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    return getattr(obj, "__name__", None) or type(obj).__name__


def load_registry(plugins: Iterable[tuple[str, object, str]]) -> Registry:
    """Register each ``(name, plugin, distribution)`` and collect what it registers."""
    pm = pluggy.PluginManager("shuangyong")
    pm.add_hookspecs(hookspecs)
    reg = Registry()
    order: list[tuple[str, object, str]] = []
    for name, obj, dist in plugins:
        if pm.is_registered(obj):
            continue
        if pm.has_plugin(name):  # two objects of one class: keep both, under distinct names
            name = f"{name}#{len(order) + 1}"
        try:
            pm.register(obj, name=name)
        except ValueError as e:  # pluggy: name already registered
            raise RulePackLoadError(name, "register", str(e), dist) from e
        except pluggy.PluginValidationError as e:
            raise RulePackLoadError(name, "validate", str(e), dist) from e
        order.append((name, obj, dist))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        bad = getattr(e, "plugin", None)
        pname = next((n for n, o, _ in order if o is bad), _plugin_name(bad))
        raise RulePackLoadError(pname, "validate", f"{e} (is the hook name spelt right? hooks: {', '.join(_hook_names())})") from e

    # Pack identity first: later registrations are attributed to the pack's own name.
    names: dict[int, str] = {}
    for name, obj, dist in order:
        info = _call_one(pm, "shuangyong_pack_info", obj, name, dist, {})
        info_obj = _pack_info(info, name, obj, dist)
        earlier = reg.pack(info_obj.name)
        if earlier is not None:
            raise RuleConflictError(info_obj.name, "-", earlier.module, info_obj.module, kind="pack name")
        reg.packs.append(info_obj)
        names[id(obj)] = info_obj.name
    for hook in _HOOK_ORDER:
        for name, obj, dist in order:
            pack = names[id(obj)]
            maker = getattr(reg, "register_" + hook.removeprefix("shuangyong_"))
            _call_one(pm, hook, obj, pack, dist, {"register": maker(pack)})
    return reg


def _hook_names() -> list[str]:
    return [n for n in dir(hookspecs) if n.startswith("shuangyong_")]


def _call_one(pm: pluggy.PluginManager, hook: str, plugin: object, pack: str, dist: str, kwargs: dict[str, Any]) -> Any:
    caller = getattr(pm.hook, hook)
    impls = [i for i in caller.get_hookimpls() if i.plugin is plugin]
    result = None
    for impl in impls:
        args = {k: kwargs[k] for k in impl.argnames if k in kwargs}
        try:
            result = impl.function(**args)
        except ShuangyongError as e:
            if isinstance(e, RulePackLoadError):
                raise
            raise RulePackLoadError(pack, "register", f"{hook}: {type(e).__name__}: {e}", dist) from e
        except (Exception, SystemExit) as e:
            raise RulePackLoadError(pack, "register", f"{hook}: {type(e).__name__}: {e}", dist) from e
    return result


def _pack_info(info: Any, name: str, obj: object, dist: str) -> PackInfo:
    module = _plugin_name(obj)
    if info is None:
        return PackInfo(name=name, distribution=dist, module=module)
    if isinstance(info, PackInfo):
        return info
    if not isinstance(info, dict):
        raise RulePackLoadError(name, "register", "shuangyong_pack_info must return a dict", dist)
    try:
        return PackInfo(
            name=str(info.get("name", name)),
            version=str(info.get("version", "")),
            title=str(info.get("title", "")),
            jurisdictions=[_jurisdiction(j) for j in info.get("jurisdictions", ())],
            sources=[str(s) for s in info.get("sources", ())],
            distribution=dist,
            module=module,
        )
    except ShuangyongError as e:
        raise RulePackLoadError(name, "register", f"shuangyong_pack_info: {e}", dist) from e
