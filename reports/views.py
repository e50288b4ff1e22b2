"""Outcome dashboard, upward report and the count maps (人才/技术/资本/政策/平台图谱).

Access: aggregate figures are public; the upward export naming 对接项目 is staff only (404 for
everyone else). The 产业图谱 panorama, the directories and the 四评价 are in resource_views.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.selectors import is_liaison
from reports import selectors
from reports.xlsx import xlsx_response

MAPS = {
    "industry": "产业图谱",
    "talent": "人才图谱",
    "technology": "技术图谱",
    "capital": "资本图谱",
    "policy": "政策图谱",
    "platform": "平台图谱",
}
DIRECTORY_OF_MAP = {
    "talent": "talent",
    "technology": "achievement",
    "capital": "investor",
    "policy": "policy",
    "platform": "platform",
}


def _f(value):
    return float(value or 0)


# Label options the charts pass to ECharts (reports.js reads them from the spec): dark text that
# reads on any bar colour, and every category labelled (ECharts otherwise skips every other one
# when they crowd, so half the 产业链 or cities would go unnamed).
LABEL_TEXT_COLOR = "#1f2328"
FUNNEL_LABEL = {"show": True, "position": "right", "color": LABEL_TEXT_COLOR, "fontSize": 13, "formatter": "{b} {c}"}
FUNNEL_LAYOUT = {"left": "4%", "width": "58%"}  # room on the right for the labels outside the bars
CATEGORY_LABEL = {"interval": 0, "color": LABEL_TEXT_COLOR}


def _bar(categories, series, *, horizontal=False, axis_names=None):
    return {
        "kind": "bar",
        "categories": categories,
        "series": series,
        "horizontal": horizontal,
        "axisNames": axis_names or [],
        "axisLabel": dict(CATEGORY_LABEL, rotate=0 if horizontal else 30),
    }


def _month_label(key):
    """'2027-03' → '2027年3月' (no ISO dates on a page)."""
    year, month = key.split("-")[:2]
    return f"{year}年{int(month)}月"


def dashboard(request):
    funnel = selectors.funnel()
    by_city = selectors.outcomes_by_city()
    by_chain = selectors.outcomes_by_chain()
    trend = selectors.monthly_trend(12)
    top_cities = selectors.top(by_city)
    top_chains = selectors.top(by_chain)

    def amounts_chart(rows):
        rows = [r for r in rows if r["signed_count"] or r["landed_count"]][:15]
        return _bar(
            [r["name"] for r in rows],
            [
                {"name": "签约金额（万元）", "type": "bar", "data": [_f(r["signed_amount"]) for r in rows]},
                {"name": "落地投资额（万元）", "type": "bar", "data": [_f(r["landed_amount"]) for r in rows]},
            ],
        )

    charts = {
        "chart-funnel": {
            "kind": "funnel",
            "items": [{"name": s["label"], "value": s["count"]} for s in funnel],
            "label": FUNNEL_LABEL,
            "layout": FUNNEL_LAYOUT,
        },
        "chart-city": amounts_chart(by_city),
        "chart-chain": amounts_chart(by_chain),
        "chart-trend": _bar(
            [_month_label(m["month"]) for m in trend],
            [
                {"name": "新增需求", "type": "line", "data": [m["new_demands"] for m in trend]},
                {"name": "洽谈项目", "type": "line", "data": [m["met"] for m in trend]},
                {"name": "签约项目", "type": "line", "data": [m["signed"] for m in trend]},
                {"name": "落地项目", "type": "line", "data": [m["landed"] for m in trend]},
                {
                    "name": "签约金额（万元）",
                    "type": "bar",
                    "yAxisIndex": 1,
                    "data": [_f(m["signed_amount"]) for m in trend],
                },
            ],
            axis_names=["数量", "万元"],
        ),
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "funnel": funnel,
            "totals": selectors.project_totals(),
            "top_cities": top_cities,
            "top_chains": top_chains,
            "trend": trend,
            "charts": charts,
            "is_staff_view": is_liaison(request.user),
        },
    )


@login_required
def export_upward(request):
    """The tables a 驻京办 sends to the province: per city, per chain, signed projects with amounts."""
    if not is_liaison(request.user):
        raise Http404
    year = request.GET.get("year", "").strip()
    if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
        messages.error(request, f"年份「{year[:10]}」无效，请填写如 2027 的四位年份。")
        return redirect("reports:dashboard")
    year = int(year) if year else None
    summary_header = [
        "发布需求数",
        "对接项目数",
        "已洽谈项目数",
        "签约项目数",
        "签约金额（万元）",
        "落地项目数",
        "落地投资额（万元）",
    ]

    def summary_rows(rows):
        total = [0, 0, 0, 0, 0, 0, 0]
        for r in rows:
            values = [
                r["demand_count"],
                r.get("cases", 0),
                r.get("met_count", 0),
                r["signed_count"],
                r["signed_amount"],
                r["landed_count"],
                r["landed_amount"],
            ]
            total = [a + b for a, b in zip(total, values, strict=True)]
            yield [r["name"], *values]
        yield ["合计", *total]

    def project_rows():
        for i, c in enumerate(selectors.signed_projects(year), start=1):
            city = c.demand.region.city
            yield [
                i,
                c.demand.title,
                c.demand.organization.name,
                city.name if city else "",
                c.demand.chain.root.name,
                c.supply_org.name,
                c.get_stage_display(),
                c.contract_amount_wan,
                c.signed_on,
                c.investment_amount_wan if c.stage == c.Stage.LANDED else None,
                str(c.landed_location) if c.landed_location_id else "",
                c.landed_on,
                str(c.owner) if c.owner else "",
            ]

    sheets = [
        ("按城市", ["城市", *summary_header], summary_rows(selectors.outcomes_by_city(year))),
        ("按产业链", ["产业链", *summary_header], summary_rows(selectors.outcomes_by_chain(year))),
        (
            "签约项目",
            [
                "序号",
                "项目（需求）名称",
                "需求单位",
                "城市",
                "产业链",
                "合作单位",
                "阶段",
                "签约金额（万元）",
                "签约日期",
                "落地投资额（万元）",
                "落地地点",
                "落地日期",
                "负责人",
            ],
            project_rows(),
        ),
    ]
    if year is None:
        sheets.append(("对接漏斗", ["环节", "需求数"], ([s["label"], s["count"]] for s in selectors.funnel())))
    period = f"{year}年" if year else "累计"
    return xlsx_response(f"京鲁对接成效上报_{period}_{timezone.localdate():%Y%m%d}.xlsx", sheets)


def resource_map(request, kind):
    if kind not in MAPS:
        raise Http404
    if kind == "industry":
        return redirect("reports:chain_overview")
    context = {
        "kind": kind,
        "title": MAPS[kind],
        "is_staff_view": is_liaison(request.user),
        "directory_kind": DIRECTORY_OF_MAP.get(kind),
    }
    if kind == "talent":
        data = selectors.talent_map()
        context["chart"] = _bar(
            [r["chain_name"] for r in data["rows"]],
            [
                {"name": "人才（名录）", "type": "bar", "data": [r["supplies"] for r in data["rows"]]},
                {"name": "人才引进（需求）", "type": "bar", "data": [r["demands"] for r in data["rows"]]},
            ],
        )
    elif kind == "technology":
        data = selectors.technology_map()
        context["chart"] = _bar(
            [r["chain_name"] for r in data["rows"]],
            [
                {"name": level, "type": "bar", "stack": "maturity", "data": [r["counts"][i] for r in data["rows"]]}
                for i, level in enumerate(data["levels"])
            ],
        )
    elif kind == "capital":
        data = selectors.capital_map()
        context["chart"] = _bar(
            [r["chain_name"] for r in data["rows"]],
            [
                {
                    "name": "可投资金（单笔上限合计，万元）",
                    "type": "bar",
                    "data": [_f(r["supply_amount"]) for r in data["rows"]],
                },
                {"name": "投融资需求（万元）", "type": "bar", "data": [_f(r["demand_amount"]) for r in data["rows"]]},
            ],
        )
    else:
        data = selectors.policy_map() if kind == "policy" else selectors.platform_map()
        context["chart"] = {"kind": "pie", "items": [{"name": r["name"], "value": r["count"]} for r in data["rows"]]}
    context["data"] = data
    return render(request, "reports/resource_map.html", context)
