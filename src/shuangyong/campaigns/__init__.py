"""双拥 campaigns as data (issue 17): plans, festival visit lists, the 台帐 and reports written from it.

* :mod:`.plans` — campaign plans (stages, tasks, 牵头单位 / 责任单位, deadlines, targets);
* :mod:`.visits` — festival visit lists and 慰问金, once per household;
* :mod:`.taizhang` — the 台帐: an append-only SQLite record of work done against a plan's tasks;
* :mod:`.reports` — 工作简报 / 工作总结 and assessment evidence computed from the 台帐.

Packs ship plans and visit schemes through the ``shuangyong_campaign_plans`` hook.
"""

from __future__ import annotations

from .plans import CampaignError, CampaignPlan, Stage, Target, Task, load_plan
from .registry import CampaignRegistry, campaign_registry, load_campaign_file, plan
from .reports import Tally, briefing, evidence, tally
from .taizhang import STATES, Taizhang, TaskStatus, WorkRecord, task_status
from .visits import VisitHousehold, VisitList, VisitScheme, load_visit_scheme, visit_list, visit_rule, visit_scheme, write_visit_list

__all__ = [
    "CampaignError", "CampaignPlan", "Stage", "Target", "Task", "load_plan",
    "CampaignRegistry", "campaign_registry", "load_campaign_file", "plan",
    "Tally", "briefing", "evidence", "tally", "STATES", "Taizhang", "TaskStatus", "WorkRecord", "task_status",
    "VisitHousehold", "VisitList", "VisitScheme", "load_visit_scheme", "visit_list", "visit_rule", "visit_scheme", "write_visit_list",
]
