"""Terminal rendering with rich: tables and lines for people, on stderr."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from greencomm.problems import Problem, count
from greencomm.programme import Programme
from greencomm.programme.rubric import fmt

if TYPE_CHECKING:
    from greencomm.check.intake import Intake
    from greencomm.judge.compare import Comparison
    from greencomm.judge.results import Results
    from greencomm.judge.sampling import Draw
    from greencomm.read.inputs import Inputs

# The views of results import the stages where they are used: the rubric's view needs none of them
# (`greencomm rubric` starts at once, docs/rules.md#speed-and-memory).

KIND_WORDS = {
    "bool": "是否",
    "levels": "分档",
    "ramp": "线性",
    "per_unit": "按项计分",
    "deduct": "扣分",
    "review": "现场评审",
}
MAX_LINES = 200


def validation_summary(inputs: Inputs, problems: Sequence[Problem], lang: str) -> Table:
    en = lang == "en"
    table = Table(title="Validation" if en else "校验结果", show_lines=False)
    for header in (("File", "文件"), ("Rows", "行数"), ("Errors", "错误"), ("Warnings", "警告")):
        table.add_column(header[0] if en else header[1], justify="left" if header[0] == "File" else "right")
    per_file = Counter(inputs.submissions.frame["_file"]) if len(inputs.submissions.frame) else Counter()
    for part in (inputs.reviews, inputs.register):
        if part is not None and len(part.frame):
            per_file.update(part.frame["_file"])
    for path in inputs.files:
        errors, warnings = count(p for p in problems if p.file == path.name)
        table.add_row(
            path.name,
            str(per_file.get(path.name, 0)),
            f"[red]{errors}[/]" if errors else "0",
            f"[yellow]{warnings}[/]" if warnings else "0",
        )
    errors, warnings = count(problems)
    files, rows = len(inputs.files), len(inputs.submissions.frame)
    table.caption = (
        f"{files} files, {rows} communities: {errors} errors, {warnings} warnings"
        if en
        else f"共 {files} 个文件、{rows} 个社区：{errors} 个错误，{warnings} 个警告"
    )
    return table


def intake_summary(intake: Intake, lang: str) -> Table:
    """Every programme district in the settings' order: its workbooks, 填报日期, communities, late or
    not — or 未收到 (docs/rules.md#intake)."""
    en = lang == "en"
    table = Table(title="Received" if en else "收件情况")
    headers: list[tuple[str, str]] = [("District", "区"), ("Workbooks", "工作簿"), ("Filled in", "填报日期"),
                                      ("Communities", "社区数"), ("Late", "逾期")]  # fmt: skip
    for name, word in headers:
        table.add_column(name if en else word, justify="right" if name == "Communities" else "left", overflow="fold")
    late_word, none_word = ("late", "[yellow]not received[/]") if en else ("逾期", "[yellow]未收到[/]")
    replaced = " (replaced)" if en else "（已被替代）"
    for d in intake.districts:
        if not d.received:
            table.add_row(d.district, none_word, "", "", "")
            continue
        files = "\n".join(f.file + replaced * f.replaced for f in d.files)
        day = d.fill_date.isoformat() if d.fill_date else ""
        table.add_row(d.district, files, day, str(d.communities), f"[yellow]{late_word}[/]" if d.late else "")
    for f in intake.other_files:
        table.add_row("other" if en else "（其他）", f.file, f.fill_date.isoformat() if f.fill_date else "",
                      str(f.communities), "")  # fmt: skip
    received, total = len(intake.districts) - len(intake.not_received), len(intake.districts)
    table.caption = (
        f"{received} of {total} districts received; deadline {intake.deadline.isoformat()}"
        if en
        else f"已收到 {received}/{total} 个区；截止日期 {intake.deadline.isoformat()}"
    )
    return table


def sample_view(draw: Draw, lang: str) -> Group:
    """The spot-check sample: places per district, the list, and the seed that draws it again."""
    en = lang == "en"
    places = Table(title="Places per district" if en else "各区抽取数")
    for header in (("District", "区"), ("Applicants", "申报"), ("Drawn", "抽取")):
        places.add_column(header[0] if en else header[1])
    for district, n in draw.counts.items():
        places.add_row(district, str(n), str(draw.places[district]))
    listed = Table(title="Sample" if en else "抽查名单")
    for column in ("序号", "所属区", "所属街道", "社区名称", "申报类别"):
        listed.add_column(column, overflow="fold")
    for n, row in enumerate(draw.drawn.itertuples(index=False), start=1):
        listed.add_row(str(n), str(row.district), str(row.street), str(row.community), str(row.target))
    seed = draw.design.seed
    listed.caption = (f"{draw.size} drawn; seed {seed} (the same seed draws the same list)" if en
                      else f"共抽取 {draw.size} 个；随机数种子 {seed}（同一种子抽出同一名单）")  # fmt: skip
    return Group(places, listed)


def problem_lines(
    problems: Sequence[Problem], lang: str, each_warning: bool = True, carried: Collection[str] = ()
) -> Iterator[str]:
    """One line per problem. Without `each_warning` (every command but validate, which lists them
    all) warnings are counted by code in one line: the same warnings again at every step of the
    year would bury the errors (docs/rules.md#command-line). The warnings of `carried` files —
    greencomm's own result workbooks, read for the inputs they carry — were said when the workbook
    was made and are in its 问题清单 sheet: not again."""
    words = {"error": "error" if lang == "en" else "错误", "warning": "warning" if lang == "en" else "警告"}
    problems = [p for p in problems if p.is_error or p.file not in carried]
    shown = problems if each_warning else [p for p in problems if p.is_error]
    for p in shown[:MAX_LINES]:
        yield f"[{words[p.severity]}] {p.message(lang)} ({p.code})"
    if len(shown) > MAX_LINES:
        rest = len(shown) - MAX_LINES
        yield f"… {rest} more in 问题清单.xlsx" if lang == "en" else f"… 另有 {rest} 条，见 问题清单.xlsx"
    warned = Counter(p.code for p in problems if not p.is_error)
    if not each_warning and warned:
        codes = (", " if lang == "en" else "、").join(f"{code} ×{n}" for code, n in sorted(warned.items()))
        n = sum(warned.values())
        yield (f"[warning] {n} warnings ({codes}): greencomm validate lists each, as does the 问题清单 sheet"
               if lang == "en" else
               f"[警告] {n} 条警告（{codes}），逐条见 greencomm validate 或工作簿的问题清单表")  # fmt: skip


def too_large_lines(paths: Sequence[Path]) -> Iterator[str]:
    """The workbooks that got no annotated copy because loading them would cost too much."""
    from greencomm.write.annotate import ANNOTATE_MAX_MB, ANNOTATE_MAX_ROWS

    size = f"{ANNOTATE_MAX_ROWS:,} 行或 {ANNOTATE_MAX_MB} MB"
    for path in paths:
        yield (f"{path.name}: 工作簿过大（超过 {size}），不生成标注副本，问题见问题清单.xlsx"
               " / too large to annotate; see 问题清单.xlsx")  # fmt: skip


RUBRIC_HEADERS = {
    "zh": (
        ("编号", "考评项目", "满分", "计分方式", "填报列", "计分规则"),
        "一票否决",
        "否决条件",
        "资格与等级",
        "条件",
    ),
    "en": (("ID", "Item", "Max", "Kind", "Column", "Rule"), "Vetoes", "Veto", "Eligibility and levels", "Condition"),
}  # the rubric's own words (items, rules, kinds) are the programme's, in Chinese


def rubric_table(programme: Programme, lang: str = "zh") -> Group:
    rubric = programme.rubric
    headers, veto_title, veto_header, rules_title, rules_header = RUBRIC_HEADERS["en" if lang == "en" else "zh"]
    items = Table(title=f"{programme.rubric_title}（{fmt(rubric.total)}分）", show_lines=False)
    for header in headers:
        items.add_column(header, overflow="fold")
    for cat in rubric.categories:
        items.add_row(f"[bold]{cat.id}[/]", f"[bold]{cat.name}[/]", f"[bold]{fmt(cat.max)}[/]", "", "", "")
        for item in rubric.items_of(cat.id):
            items.add_row(item.id, item.name, fmt(item.max), KIND_WORDS[item.kind], item.column, item.rule_text())
    vetoes = Table(title=veto_title)
    vetoes.add_column(headers[0])
    vetoes.add_column(veto_header)
    for veto in rubric.vetoes:
        vetoes.add_row(veto.id, veto.name)
    rules = Table(title=rules_title)
    rules.add_column(headers[0])
    rules.add_column(rules_header)
    for code, rule in rubric.eligibility.items():
        rules.add_row(code, f"{rule.name}：{rule.rule}")
    levels = programme.levels
    if programme.demonstration_title is None:
        rules.add_row(programme.title, f"符合资格、无否决项者均参加现场评审；评审后总分 ≥ {fmt(levels.pass_total)}")
    else:
        rules.add_row(programme.title, f"符合资格、无否决项、总分 ≥ {fmt(levels.pass_total)}")
        rules.add_row(
            f"{programme.demonstration_title}候选",
            f"申报示范、符合资格、无否决项、总分 ≥ {fmt(levels.demonstration_total)}，"
            f"且各类别得分 ≥ 该类满分的 {fmt(levels.category_share * 100)}%",
        )
    return Group(items, vetoes, rules)


COMMAND_WORDS = {"score": "评分", "rank": "排名", "shortlist": "名单"}


def results_summary(results: Results, kind: str, lang: str = "zh") -> Table:
    """How many of each status, and the money, for the terminal, in `lang`."""
    from greencomm.judge.shortlist import status_order

    year, en = results.programme.year, lang == "en"
    if en:
        table = Table(title=f"{year} {kind} ({'after' if results.reviewed else 'before'} review)")
    else:
        table = Table(
            title=f"{year}年 {COMMAND_WORDS.get(kind, kind)}（{'现场评审后' if results.reviewed else '现场评审前'}）"
        )
    table.add_column("Status" if en else "结果")
    table.add_column("Communities" if en else "社区数", justify="right")
    counts = results.table.status.value_counts()
    for status in sorted(counts.index, key=status_order(results.programme).__getitem__):
        table.add_row(status, str(counts[status]))
    money = results.money()
    if results.reviewed and money["payers"]:
        if en:
            payers = ", ".join(f"{p['payer']} {p['total']:,} yuan" for p in money["payers"])
            table.caption = f"Money: {payers}; total {money['total']:,} yuan ({money['demonstrations']} 示范社区)"
        else:
            payers = "，".join(f"{p['payer']} {p['total']:,} 元" for p in money["payers"])
            table.caption = f"奖励资金：{payers}，合计 {money['total']:,} 元（{money['demonstrations']} 个示范社区）"
    return table


def explain_view(results: Results, idx: Any) -> Group:
    """One community: every item's input → rule → points, the subtotals, vetoes, eligibility, result."""
    from greencomm.judge.scoring import REVIEW

    rubric = results.programme.rubric
    row = results.table.loc[idx]
    scores = results.scores
    head = Table.grid(padding=(0, 2))
    head.add_row("社区", f"{row['district']} {row['street']} {row['community']}（{row['community_type']}）")
    source = results.frame.loc[idx]
    head.add_row("来源", f"{source['_file']} {source['_sheet']} 第{source['_row']}行")
    head.add_row("申报类别", str(row["target"]))
    head.add_row(
        "总分",
        f"[bold]{row['total']}[/]（评审项小计 {row['review_subtotal']}，"
        f"{'现场评审' if row['review_source'] == REVIEW else '自评分代替评审项'}）",
    )
    head.add_row("排名", f"全市第 {row['rank']} 名，{row['district']}第 {row['district_rank']} 名")
    head.add_row("结果", f"[bold]{row['status']}[/]")
    vetoes = "、".join(f"{v} {next(x.name for x in rubric.vetoes if x.id == v)}" for v in row["vetoes"])
    head.add_row("一票否决", vetoes or "无")
    eligibility = "、".join(f"{q} {rubric.eligibility[q].name}" for q in row["eligibility"])
    head.add_row("资格", eligibility or "符合")
    if row["reasons"]:
        head.add_row("原因", "；".join(row["reasons"]))
    items = Table(show_lines=False)
    for header, justify in (("编号", "left"), ("考评项目", "left"), ("满分", "right"), ("填报值", "left"),
                            ("计分规则", "left"), ("得分", "right")):  # fmt: skip
        items.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for cat in rubric.categories:
        for item in rubric.items_of(cat.id):
            point = scores.point(idx, item.id)
            items.add_row(item.id, item.name, fmt(item.max), point.shown, point.rule, str(point.points))
        items.add_row("", f"[bold]{cat.id} {cat.name} 小计[/]", fmt(cat.max), "", "",
                      f"[bold]{scores.categories.loc[idx, cat.id]!s}[/]", end_section=True)  # fmt: skip
    items.add_row("", "[bold]总分[/]", fmt(rubric.total), "", "", f"[bold]{row['total']}[/]")
    return Group(head, items)


def comparison_view(comparison: Comparison, old: Path, new: Path, lang: str) -> Group:
    """`diff`: the changed communities, those added and removed, and the counts."""
    from greencomm.write.comparison import view

    return view(comparison, old, new, lang)


def comparison_summary(comparison: Comparison, lang: str) -> str:
    from greencomm.write.comparison import summary_line

    return summary_line(comparison, lang)
