"""Problems in the data are values, not exceptions: each has a stable code, a place and a message
in Chinese and English that says what is wrong and how to fix it. The catalogue below is the one
list of codes; docs/problems.md is rendered from it (tools/render_docs.py)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
LANGS = ("zh", "en")
SAVE_AS = "请在 Excel/WPS 中打开，另存为 Excel 工作簿（.xlsx）后重新发送"
SAVE_AS_EN = "open it in Excel or WPS, save it as an Excel workbook (.xlsx) and send it again"
SEND_XLSX = "请发送申报汇总表的 Excel 工作簿（.xlsx）；其他格式请在 Excel/WPS 中打开后另存为 .xlsx"
SEND_XLSX_EN = "send the workbook itself (.xlsx); save any other format as .xlsx in Excel or WPS first"
RESAVE = "请重新保存后发送"
RESAVE_EN = "save it again and send it again"

# code: (severity, Chinese, English, Chinese hint, English hint)
CATALOGUE: dict[str, tuple[Severity, str, str, str, str]] = {
    # ---- the file and its sheets: refusals (the file, or a sheet of it, is not read)
    "not-a-workbook": (
        "error",
        "不是 Excel 工作簿：{kind}",
        "not an Excel workbook: {kind_en}",
        SEND_XLSX,
        SEND_XLSX_EN,
    ),
    "encrypted-workbook": (
        "error",
        "工作簿已加密",
        "the workbook is encrypted",
        "请用 --password 提供密码，或请区里去掉密码后重新发送",
        "give --password, or ask the district for an unprotected copy",
    ),
    "wrong-password": (
        "error",
        "密码不正确，无法解密工作簿",
        "wrong password: the workbook cannot be decrypted",
        "请核对 --password 给出的密码",
        "check the password given with --password",
    ),
    "empty-file": (
        "error",
        "是空文件（0 字节）",
        "an empty file (0 bytes)",
        RESAVE,
        RESAVE_EN,
    ),
    "damaged-file": (
        "error",
        "文件不完整或已损坏（{detail}）",
        "truncated or damaged ({detail_en})",
        RESAVE,
        RESAVE_EN,
    ),
    "file-too-large": (
        "error",
        "文件 {size} MB，超过上限 {limit} MB（见设置 [limits] max_file_mb）",
        "the file is {size} MB, more than {limit} MB ([limits] max_file_mb)",
        "请删除表格以外的内容，另存后重新发送",
        "delete whatever is not the table, save and send it again",
    ),
    "zip-bomb": (
        "error",
        "解压后异常庞大（疑似压缩炸弹），拒绝读取（{detail}）",
        "it expands too much once uncompressed, a decompression bomb? ({detail_en})",
        RESAVE,
        RESAVE_EN,
    ),
    "unsafe-xml": (
        "error",
        "含有不安全的 XML（实体或外部引用），拒绝读取",
        "unsafe XML (entities or external references) refused",
        SAVE_AS,
        SAVE_AS_EN,
    ),
    "sheet-too-large": (
        "error",
        "工作表过大，未读取：{detail}",
        "the sheet is too large to read: {detail_en}",
        "请删除表格以外的内容（在 Excel 中按 Ctrl+End 可找到最后一个单元格），另存后重新发送",
        "delete whatever lies outside the table (Ctrl+End finds the last cell), save and send it again",
    ),
    "sheet-unreadable": (
        "error",
        "读取工作表出错：{detail}",
        "the sheet cannot be read: {detail_en}",
        SAVE_AS,
        SAVE_AS_EN,
    ),
    # ---- the sheets and the table
    "no-workbooks": (
        "error",
        "没有找到可读取的工作簿：{paths}",
        "no workbook to read in {paths}",
        "请检查文件夹和文件名（.xlsx、.xls、.xlsb、.ods）；Office 打开文件时留下的 ~$ 临时文件不是工作簿，已跳过",
        "check the folder and the file names (.xlsx, .xls, .xlsb, .ods); Office's ~$ lock files are not workbooks "
        "and are skipped",
    ),
    "cells-not-checked": (
        "warning",
        "{format}格式的文件无法检查{what}，这些单元格按读到的值处理",
        "in an {format_en} file {what_en} cannot be checked; the cells are taken as read",
        "请区里在 Excel/WPS 中核对这些内容，或另存为 Excel 工作簿（.xlsx）后发送，以便全部检查",
        "ask the district to check these in Excel or WPS, or to send it saved as an Excel workbook (.xlsx), "
        "where everything is checked",
    ),
    "wrong-kind-of-workbook": (
        "error",
        "这些看起来是{looks}，不是{expected}：{files}（作为{given}给出）",
        "these look like {looks_en}, not {expected_en}: {files} (given as {given_en})",
        "{looks}请作为{belongs}给出；未写出任何文件",
        "give {looks_en} as {belongs_en}; nothing was written",
    ),
    "own-output-skipped": (
        "warning",
        "这是 greencomm 生成的结果文件（{kind}），未作为申报表读取",
        "a file greencomm wrote ({kind_en}); not read as a submission",
        "请把结果文件放在收件文件夹以外（用 -o 指定输出位置）",
        "keep outputs out of the inbox folder (choose where they go with -o)",
    ),
    "register-not-found": (
        "warning",
        "历年命名名录不存在：按尚无历年称号处理",
        "the register does not exist yet: taken as holding no titles",
        "首年可不提供名录；greencomm register add 会新建它",
        "in a first year there is none; greencomm register add creates it",
    ),
    "cannot-annotate": (
        "warning",
        "无法生成标注副本：文件的部分内容已损坏（{detail}）",
        "no annotated copy could be made: a part of the file is damaged ({detail})",
        "问题见问题清单.xlsx；请区里在 Excel/WPS 中打开、另存后重新发送",
        "its problems are in 问题清单.xlsx; ask the district to open it in Excel or WPS, save and send it again",
    ),
    "missing-sheet": (
        "error",
        "找不到工作表“{expected}”",
        "no sheet named “{expected}”",
        "请使用 greencomm template 生成的模板填报",
        "fill in the workbook made by `greencomm template`",
    ),
    "header-not-found": (
        "error",
        "前 {rows} 行中找不到表头行（应含“所属区”“社区名称”等列名）",
        "no header row in the first {rows} rows (it should name 所属区, 社区名称 …)",
        "请保留模板的表头行",
        "keep the template's header row",
    ),
    "missing-column": (
        "error",
        "缺少必填列“{field}”",
        "the required column “{field}” is missing",
        "请按模板补上该列",
        "add the column as in the template",
    ),
    "duplicate-column": (
        "error",
        "列“{field}”出现了两次（另见 {other}）",
        "the column “{field}” appears twice (also {other})",
        "请删除重复的列",
        "delete one of the two columns",
    ),
    "unknown-column": (
        "warning",
        "无法识别的列“{value}”，已忽略",
        "unrecognised column “{value}” is ignored",
        "如为必填列，请改用模板中的列名",
        "if it is a required column, use the template's header",
    ),
    "no-data-rows": (
        "error",
        "表中没有数据行",
        "the sheet has no data rows",
        "请在表头下方逐行填写社区",
        "fill in one community per row below the header",
    ),
    "ignored-row": (
        "warning",
        "第 {row} 行不是社区数据（只有 {value}），已忽略",
        "row {row} is not a community ({value}); ignored",
        "如是社区数据，请补全所属区和社区名称",
        "if it is a community, fill in 所属区 and 社区名称",
    ),
    # ---- one cell
    "hidden-sheet": (
        "warning",
        "工作表“{sheet}”是隐藏的，已照常读取",
        "the sheet “{sheet}” is hidden; it was read all the same",
        "请确认这是要报送的表；不是的话请删除它",
        "make sure it is the sheet to send; delete it if not",
    ),
    "merged-cells": (
        "error",
        "合并了单元格 {range}：合并后只有左上角一格有值，其余各格都是空的",
        "cells {range} are merged: only the top-left one holds a value, the others are blank",
        "请取消合并，并在每一格分别填写",
        "unmerge them and fill in every cell",
    ),
    "formula-not-calculated": (
        "error",
        "“{field}”是公式，但{why}",
        "“{field}” is a formula, but {why_en}",
        "请在 Excel 或 WPS 中打开、保存后重新发送（或把公式改为数值）",
        "open it in Excel or WPS, save, and send it again (or replace the formula by its value)",
    ),
    "excel-error": (
        "error",
        "“{field}”是 Excel 错误值 {value}",
        "“{field}” is the Excel error {value}",
        "请改正出错的公式，或直接填写数值",
        "fix the formula, or type the value",
    ),
    "control-characters": (
        "error",
        "“{field}”含有看不见的控制字符（{chars}）",
        "“{field}” holds invisible control characters ({chars})",
        "请删除后重新输入（从网页或其他系统复制的内容常带有这种字符）",
        "delete and type it again (text copied from web pages or other systems often carries them)",
    ),
    "format-characters": (
        "warning",
        "“{field}”含有看不见的格式字符（{chars}），已去掉后读取",
        "“{field}” holds invisible format characters ({chars}); read without them",
        "请删除后重新输入（从网页或聊天软件复制的文字常带有这种字符）",
        "delete and type it again (text copied from web pages or chat apps often carries them)",
    ),
    "text-too-long": (
        "error",
        "“{field}”过长：{length} 个字符，上限 {limit}",
        "“{field}” is too long: {length} characters, at most {limit}",
        "请精简内容，详细材料另附",
        "shorten it; attach the details separately",
    ),
    "missing-value": ("error", "“{field}”为空", "“{field}” is blank", "请填写该项", "fill it in"),
    "not-a-number": (
        "error",
        "“{field}”应为数字，填的是“{value}”",
        "“{field}” must be a number, not “{value}”",
        "请只填数字，如 12 或 3.5",
        "write a number only, like 12 or 3.5",
    ),
    "not-an-integer": (
        "error",
        "“{field}”应为整数，填的是“{value}”",
        "“{field}” must be a whole number, not “{value}”",
        "请填整数，如 12",
        "write a whole number, like 12",
    ),
    "negative-number": (
        "error",
        "“{field}”不能为负数（{value}）",
        "“{field}” cannot be negative ({value})",
        "请填 0 或正数",
        "write 0 or a positive number",
    ),
    "number-out-of-range": (
        "error",
        "“{field}”应在 {range} 之间，填的是 {value}",
        "“{field}” must be within {range}, not {value}",
        "请核对后重填",
        "check and correct it",
    ),
    "not-a-percent": (
        "error",
        "“{field}”应为百分比，填的是“{value}”",
        "“{field}” must be a percentage, not “{value}”",
        "可填 85%、85 或 0.85",
        "write 85%, 85 or 0.85",
    ),
    "percent-out-of-range": (
        "error",
        "“{field}”应在 0%–100% 之间，填的是“{value}”",
        "“{field}” must be within 0%–100%, not “{value}”",
        "可填 85%、85 或 0.85",
        "write 85%, 85 or 0.85",
    ),
    "invalid-yes-no": (
        "error",
        "“{field}”应填 是/否（或 有/无），填的是“{value}”",
        "“{field}” must be yes or no (是/否, 有/无), not “{value}”",
        "请从下拉列表中选择",
        "choose from the drop-down list",
    ),
    "invalid-choice": (
        "error",
        "“{field}”应为 {choices} 之一，填的是“{value}”",
        "“{field}” must be one of {choices}, not “{value}”",
        "请从下拉列表中选择",
        "choose from the drop-down list",
    ),
    "invalid-year": (
        "error",
        "“{field}”应为四位年份，填的是“{value}”",
        "“{field}” must be a four-digit year, not “{value}”",
        "如 2021 或 2021年",
        "like 2021 or 2021年",
    ),
    "invalid-date": (
        "error",
        "“{field}”应为日期，填的是“{value}”",
        "“{field}” must be a date, not “{value}”",
        "如 2026-09-15",
        "like 2026-09-15",
    ),
    "invalid-phone": (
        "error",
        "“{field}”不是有效的电话号码：“{value}”",
        "“{field}” is not a valid phone number: “{value}”",
        "手机填11位，固定电话带区号，如 0731-84567890",
        "a mobile has 11 digits; a landline needs its area code, like 0731-84567890",
    ),
    "closed-exceeds-total": (
        "error",
        "按期办结件数 {value} 大于环境投诉件数 {total}",
        "complaints closed in time ({value}) exceed complaints received ({total})",
        "按期办结件数不能多于投诉件数，请核对",
        "closed cannot exceed received; check both",
    ),
    "ratio-exceeds-base": (
        "error",
        "“{field}”{value} 大于“{base_field}”{base}",
        "“{field}” {value} exceeds “{base_field}” {base}",
        "请核对这两项",
        "check both figures",
    ),
    "city-title-year-missing": (
        "error",
        "已获市级称号为“{title}”，但未填“{field}”",
        "the city title “{title}” is given without “{field}”",
        "请填写获得该称号的年份",
        "fill in the year the title was awarded",
    ),
    "year-in-future": (
        "error",
        "“{field}”{value} 晚于本年度 {year}",
        "“{field}” {value} is after the programme year {year}",
        "请核对年份",
        "check the year",
    ),
    "duplicate-community": (
        "error",
        "{district}“{community}”重复申报（另见 {other}）",
        "{district} “{community}” is submitted twice (also {other})",
        "同一社区只能申报一次，请删除重复行",
        "a community applies once: delete the duplicate row",
    ),
    "superseded-workbook": (
        "warning",
        "已被同区较新的工作簿“{newer}”替代（{why}），本表的 {count} 个社区及其问题不再计入",
        "replaced by the district's newer workbook “{newer}” ({why_en}); its {count} communities and their problems"
        " no longer count",
        "如两个工作簿都应计入，请把社区合到一个工作簿里再发送；否则可删除旧的工作簿",
        "if both should count, put the communities into one workbook; otherwise delete the older one",
    ),
    "late-submission": (
        "warning",
        "填报日期 {value} 晚于截止日期 {deadline}",
        "filled in on {value}, after the deadline {deadline}",
        "逾期报送，请说明原因",
        "late: explain why",
    ),
    "district-not-received": (
        "warning",
        "尚未收到{district}的申报表（截止日期 {deadline}）",
        "nothing received from {district} (deadline {deadline})",
        "请联系该区报送；该区今年如无社区申报，请其书面说明",
        "ask the district to send its workbook, or to say in writing that none of its communities applies",
    ),
    "city-title-year-without-title": (
        "warning",
        "已获市级称号为“无”，但填了“{field}”{value}",
        "no city title, yet “{field}” is {value}",
        "请核对是否已获市级称号",
        "check whether the community holds a city title",
    ),
    # ---- eligibility (facts about the community, not data errors)
    "eligibility-q1": (
        "warning",
        "资格 Q1：所属区“{value}”不在本市创建范围（{districts}）内",
        "eligibility Q1: district “{value}” is outside the programme ({districts})",
        "该社区将计分但不予命名",
        "it is scored but cannot be named",
    ),
    "eligibility-q2": (
        "warning",
        "资格 Q2：未获得区级称号（区级称号获得年份：{value}）",
        "eligibility Q2: no district-level title (year: {value})",
        "须先获得区级称号",
        "the district-level title comes first",
    ),
    "eligibility-q3": (
        "warning",
        "资格 Q3：已获{held}，3年内不得重复申报同一称号",
        "eligibility Q3: holds {held}; the same title cannot be awarded again within 3 years",
        "以历年命名名录为准（给出名录时）",
        "the register decides when it is given",
    ),
    "eligibility-q4": (
        "warning",
        "资格 Q4：区级推荐意见为“{value}”",
        "eligibility Q4: the district's opinion is “{value}”",
        "须经区级同意推荐",
        "the district must recommend it",
    ),
    # ---- 创建活动
    "activity-outside-year": (
        "warning",
        "活动日期 {value} 不在 {year} 年度内",
        "activity date {value} is not in {year}",
        "请核对日期",
        "check the date",
    ),
    "activity-count-unknown": (
        "warning",
        "活动“{name}”（{type}）未填{field}，按不详计",
        "activity “{name}” ({type}) gives no {field}; counted as unknown",
        "如有数字请补填（{unit}）",
        "fill it in if it is known ({unit})",
    ),
    # ---- review sheets
    "review-score-out-of-range": (
        "error",
        "评分“{field}”应在 0–{max} 之间，填的是 {value}",
        "score “{field}” must be within 0–{max}, not {value}",
        "请核对评分",
        "check the score",
    ),
    "review-unknown-community": (
        "error",
        "申报材料中没有 {district}“{community}”",
        "{district} “{community}” is not among the submissions",
        "请核对所属区和社区名称",
        "check the district and community name",
    ),
    "review-blank-score": (
        "warning",
        "评审专家 {reviewer} 未给 {community} 的“{field}”评分，该项不计此专家",
        "reviewer {reviewer} left “{field}” of {community} blank; left out for this item",
        "如漏评，请补评后重新发送",
        "if it was missed, fill it in and send it again",
    ),
    "review-duplicate": (
        "error",
        "评审专家 {reviewer} 对 {district}“{community}”评了两次（另见 {other}）",
        "reviewer {reviewer} scored {district} “{community}” twice (also {other})",
        "请删除重复行",
        "delete the duplicate row",
    ),
    "review-few-reviewers": (
        "warning",
        "{community}“{field}”回避后只有 {count} 位专家评分（少于 {min}）",
        "{community} “{field}”: only {count} reviewers after recusal (fewer than {min})",
        "建议增派评审专家",
        "consider adding reviewers",
    ),
    "review-no-reviewers": (
        "error",
        "{community}“{field}”没有可用的专家评分",
        "{community} “{field}” has no usable review score",
        "该社区按未参加现场评审处理（不能入选示范或获得命名）；请安排非回避专家评分",
        "it counts as not reviewed and cannot be chosen; have a reviewer who is not recused score it",
    ),
    "review-unknown-district": (
        "error",
        "专家所在区“{value}”既不是本市的区，也不是“{city_level}”",
        "reviewer district “{value}” is neither a district nor “{city_level}”",
        "请填区名或“{city_level}”",
        "write a district or “{city_level}”",
    ),
    # ---- objections raised during the 公示
    "objection-not-on-list": (
        "error",
        "异议所指的“{community}”不在拟命名名单上",
        "the objection names “{community}”, which is not on the proposed lists",
        "请核对所属区和社区名称，与公示名单一致",
        "check the district and community name against the notice's lists",
    ),
    # ---- comparing two results (diff)
    "not-a-results-workbook": (
        "error",
        "不是评分结果工作簿：{detail}",
        "not a scored workbook: {detail_en}",
        "请比较 {how} 写出的评分结果",
        "compare workbooks written by {how}",
    ),
    # ---- the register
    "register-disagrees": (
        "warning",
        "{district}“{community}”的已获市级称号（{workbook}）与历年命名名录（{register}）不一致，以名录为准",
        "{district} “{community}”: the workbook says {workbook}, the register {register}; the register decides",
        "请核对",
        "check both",
    ),
    "register-duplicate": (
        "error",
        "名录中 {year} 年 {district}“{community}”重复（另见 {other}）",
        "the register lists {district} “{community}” twice for {year} (also {other})",
        "请删除重复行",
        "delete the duplicate row",
    ),
    # ---- the register's 状态变更记录 (status changes: 整改, 撤销, 恢复), and decisions for register update
    "change-unknown-title": (
        "error",
        "历年命名名录中没有 {year} 年 {district}“{community}”的“{title}”称号",
        "the register holds no {year} title “{title}” of {district} “{community}”",
        "请核对年度、所属区、社区名称和称号与名录中的那一行一致",
        "make the year, district, community and title those of its row in the register",
    ),
    "change-already-recorded": (
        "error",
        "{district}“{community}”{year} 年称号的这条“{value}”已记录过（见 {other}）",
        "this “{value}” of {district} “{community}”'s {year} title is already recorded (see {other})",
        "不要重复登记；重复的行请删除",
        "do not record it twice; delete the repeated row",
    ),
    "change-before-award": (
        "error",
        "日期 {value} 早于 {district}“{community}”的称号命名年度 {year} 年",
        "the date {value} is before {district} “{community}” was named in {year}",
        "请核对日期和年度（年度是称号命名的年份）",
        "check the date and the year (年度 is the year the title was named)",
    ),
    "change-out-of-order": (
        "error",
        "日期 {value} 早于名录中该称号最近一条状态变更的日期 {latest}",
        "the date {value} is before the latest status change the register holds for this title ({latest})",
        "状态变更只能按时间顺序追加；请核对日期",
        "status changes are only appended in date order; check the date",
    ),
    "change-restore-not-suspended": (
        "error",
        "{district}“{community}”{year} 年“{title}”称号当前为“{state}”，不能恢复",
        "{district} “{community}”'s {year} title “{title}” is {state}: there is nothing to restore",
        "“恢复”只用于整改或撤销后复查合格的称号",
        "恢复 is for a title under 整改 or 撤销 that passed its re-check",
    ),
    "change-after-revoke": (
        "error",
        "{district}“{community}”{year} 年“{title}”称号已撤销，不能再“{value}”",
        "{district} “{community}”'s {year} title “{title}” is revoked: it cannot be “{value}”",
        "撤销的称号只能在复查合格后“恢复”",
        "a revoked title can only be restored (恢复) after a passed re-check",
    ),
    # ---- re-checks of titled communities (greencomm recheck)
    "recheck-untitled": (
        "warning",
        "{district}“{value}”在历年命名名录中没有仍有效或整改中的称号，未作复查",
        "{district} “{value}” holds no title in the register (有效 or 整改): not re-checked",
        "请核对所属区和社区名称与名录一致；已撤销称号的社区不在复查之列",
        "make its district and name those of the register; a revoked title is not re-checked",
    ),
}


# the codes that mean a file, or a sheet of it, was not read at all
REFUSALS = frozenset({
    "not-a-workbook", "encrypted-workbook", "wrong-password", "empty-file",
    "damaged-file", "file-too-large", "zip-bomb", "unsafe-xml", "sheet-too-large", "sheet-unreadable",
})  # fmt: skip
SEVERITY_WORDS = {"zh": {"error": "错误", "warning": "警告"}, "en": {"error": "error", "warning": "warning"}}
LIST_HEADERS = {
    "zh": ["文件", "工作表", "单元格", "严重程度", "代码", "字段", "填写值", "问题", "修改建议"],
    "en": ["File", "Sheet", "Cell", "Severity", "Code", "Field", "Value", "Problem", "How to fix"],
}


FILLED_KEPT = 1 << 14  # texts kept: a year's repeated warnings, never the memory of 100,000 distinct ones
# Templates filled, once for all the problems they word alike: a year's thousands of warnings repeat a
# few texts (资格 Q4：区级推荐意见为“不同意”), and the problem list and `--json` both word each problem.
_FILLED: dict[tuple[Any, ...], str] = {}


@dataclass(frozen=True)
class Problem:
    code: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    field: str = ""
    value: Any = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def _fill(self, template: str) -> str:
        shown = "" if self.value is None else str(self.value)
        # a parameter by its type and its repr: 1, 1.0 and True are equal, as are Decimal 1.0 and 1.00
        key = (template, self.field, shown, *((k, type(v), repr(v)) for k, v in self.params.items()))
        if (text := _FILLED.get(key)) is None:
            text = template.format_map(_Default({"field": self.field, "value": shown, **self.params}))
            if len(_FILLED) < FILLED_KEPT:
                _FILLED[key] = text
        return text

    def text(self, lang: str = "zh") -> str:
        _, zh, en, _, _ = CATALOGUE[self.code]
        return self._fill(en if lang == "en" else zh)

    def hint(self, lang: str = "zh") -> str:
        _, _, _, zh, en = CATALOGUE[self.code]
        return self._fill(en if lang == "en" else zh)

    @property
    def refused(self) -> bool:
        """The file, or a sheet of it, was not read."""
        return self.code in REFUSALS

    def list_row(self, lang: str = "zh") -> list[Any]:
        """The problem as a row of a problem list, under LIST_HEADERS."""
        words = SEVERITY_WORDS[lang]
        return [self.file, self.sheet, self.cell, words[self.severity], self.code, self.field, self.value,
                self.text(lang), self.hint(lang)]  # fmt: skip

    @property
    def where(self) -> str:
        place = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return " ".join(p for p in (self.file, place) if p)

    def message(self, lang: str = "zh") -> str:
        sep = ". " if lang == "en" else "。"
        body = f"{self.text(lang)}{sep}{self.hint(lang)}"
        return f"{self.where}: {body}" if self.where else body

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "field": self.field,
            "value": None if self.value is None else str(self.value),
            "code": self.code,
            "severity": self.severity,
            "message": self.message(lang),
        }


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def count(problems: Iterable[Problem]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for p in problems:
        if p.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def default_lang() -> str:
    """--lang wins; then GREENCOMM_LANG; then an English locale; Chinese otherwise."""
    explicit = os.environ.get("GREENCOMM_LANG", "")
    if explicit in LANGS:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"
