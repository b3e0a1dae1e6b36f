"""The plugin contract: every hook a rule pack may implement.

Hooks carry the ``shuangyong_`` prefix.  A pack implements them with the
``shuangyong.hookimpl`` marker; the national rules (``shuangyong.national``)
use the same hooks as any province.  The engine calls each pack's
implementation separately, handing it a ``register`` function bound to that
pack, so it always knows who registered what and can refuse a clash at once.

Load order: ``shuangyong_pack_info`` → ``shuangyong_parameters`` →
``shuangyong_rules`` → ``shuangyong_item_types`` → ``shuangyong_schemes`` →
``shuangyong_placement_schemes`` → ``shuangyong_bank_formats`` → ``shuangyong_campaign_plans``.  An implementation may accept any subset
of the arguments of its spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # annotations only: keep this module cheap to import
    from collections.abc import Callable

hookspec = pluggy.HookspecMarker("shuangyong")

# -- pack identity -------------------------------------------------------------


@hookspec
def shuangyong_pack_info() -> dict[str, Any]:  # type: ignore[empty-body]
    """Say who the pack is.

    Return a dict with ``name`` (short, e.g. ``"hubei"``), ``version``,
    ``title`` (Chinese), ``jurisdictions`` (the region codes it covers) and
    optionally ``sources`` (a list of citations).  Called first, once per pack.
    """


# -- data ------------------------------------------------------------------------


@hookspec
def shuangyong_parameters(register: Callable[..., None]) -> None:
    """Register parameter files.

    ``register(path, jurisdiction=None)`` takes a TOML file or a folder of
    them (see ``shuangyong.params``).  ``jurisdiction`` is a region code (or
    ``"national"``); without it the file's own ``jurisdiction`` key, or
    national, applies.  Two packs giving one parameter for one jurisdiction
    is a load error naming both.
    """


@hookspec
def shuangyong_schemes(register: Callable[..., None]) -> None:
    """Register assessment schemes (双拥模范城 考评, unit checklists).

    ``register(path_or_scheme)`` takes a TOML scheme file (see
    ``docs/writing-a-scheme.md``), a folder of them (each ``*.toml``), or a
    ``Scheme`` object.  Two schemes with one code is a load error.
    """


@hookspec
def shuangyong_placement_schemes(register: Callable[..., None]) -> None:
    """Register 军转干部 placement (计分办法) schemes.

    ``register(path_or_scheme)`` takes a TOML placement scheme file, a folder
    of them (each ``*.toml``), or a ``PlacementScheme`` object.
    """


# -- code --------------------------------------------------------------------------


@hookspec
def shuangyong_rules(register: Callable[..., None]) -> None:
    """Register benefit rules.

    ``register(rule, jurisdiction="national", replaces=None, extends=None)``:
    ``rule`` is a ``BenefitRule`` (see ``sy.rule``).  For a person, the rule
    registered for the most specific jurisdiction in their fallback chain
    wins (township > county > prefecture > province > national).
    ``replaces="code"`` makes the rule stand in for another code in that
    jurisdiction (the other is not computed there); ``extends="code"`` adds
    a supplement computed only where the base rule pays, which reads the
    base amount as ``facts.base``.  Two packs registering one code for one
    jurisdiction is a load error naming both.
    """


@hookspec
def shuangyong_item_types(register: Callable[..., None]) -> None:
    """Register assessment item types beyond the built-in ones.

    ``register(name, scorer)``: ``scorer(item, value)`` receives the scheme
    item and the evidence value under its key (``None`` when absent) and
    returns plain points or a ``shuangyong.assessment.items.Outcome`` (points,
    lost points with reasons, detail).  Schemes name the type with
    ``type = "<name>"``; two packs registering one name is a load error.
    """


# -- payment ledger ----------------------------------------------------------------


@hookspec
def shuangyong_bank_formats(register: Callable[..., None]) -> None:
    """Register bank disbursement file formats (社会化发放 batch files and their return files).

    ``register(fmt)`` takes a ``shuangyong.ledger.bank.BankFormat`` (or any
    object with ``name``, ``title``, ``suffix``, ``write(batch, items, fh)``
    and ``read_return(path)``).  The ledger ships a documented generic format;
    an office adds its agent bank's template here.  Two packs registering one
    name is a load error.
    """


# -- campaigns (issue 17) ------------------------------------------------------------


@hookspec
def shuangyong_campaign_plans(register: Callable[..., None]) -> None:
    """Register campaign plans (活动实施方案) and festival visit schemes (走访慰问).

    ``register(path_or_object)`` takes a TOML file, a folder of them (each
    ``*.toml``), a ``CampaignPlan`` or a ``VisitScheme`` (see
    ``docs/campaigns.md``).  A file with ``kind = "visits"`` is a visit
    scheme; any other is a plan.  Plans and visit schemes share one code
    space; two with one code is a load error naming both packs.
    """
