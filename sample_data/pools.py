"""Name pools and workbook styles for generate.py: Changsha-like streets, community and personal
names, activity names, and how each district's clerk happens to type things."""

from __future__ import annotations

import random

STREETS = {
    "芙蓉区": [
        "定王台街道",
        "文艺路街道",
        "韭菜园街道",
        "朝阳街道",
        "五里牌街道",
        "火星街道",
        "马王堆街道",
        "东湖街道",
    ],
    "天心区": [
        "坡子街街道",
        "城南路街道",
        "裕南街街道",
        "金盆岭街道",
        "新开铺街道",
        "青园街道",
        "桂花坪街道",
        "赤岭路街道",
    ],
    "岳麓区": [
        "橘子洲街道",
        "岳麓街道",
        "望月湖街道",
        "银盆岭街道",
        "观沙岭街道",
        "咸嘉湖街道",
        "梅溪湖街道",
        "洋湖街道",
    ],
    "开福区": [
        "东风路街道",
        "湘雅路街道",
        "望麓园街道",
        "清水塘街道",
        "新河街道",
        "伍家岭街道",
        "四方坪街道",
        "月湖街道",
    ],
    "雨花区": [
        "侯家塘街道",
        "左家塘街道",
        "圭塘街道",
        "砂子塘街道",
        "东塘街道",
        "雨花亭街道",
        "高桥街道",
        "洞井街道",
    ],
    "望城区": [
        "高塘岭街道",
        "白沙洲街道",
        "大泽湖街道",
        "月亮岛街道",
        "金山桥街道",
        "丁字湾街道",
        "黄金园街道",
        "乌山街道",
    ],
    "长沙县": ["星沙街道", "湘龙街道", "泉塘街道"],
}

# a few real-sounding names first, then combinations of place words and endings
FIXED_COMMUNITIES = {
    "芙蓉区": ["韭菜园社区", "识字岭社区", "八一桥社区", "蓉园社区"],
    "天心区": ["白沙井社区", "西湖桥社区", "南湖港社区"],
    "岳麓区": ["麓山南路社区", "桃子湖社区", "咸嘉新村社区"],
    "开福区": ["湘春路社区", "营盘街社区", "松桂园社区"],
    "雨花区": ["井湾子社区", "砂湖桥社区", "东塘社区"],
    "望城区": ["郭亮社区", "旺旺社区", "金甲社区"],
    "长沙县": ["松雅社区"],
}
_PLACE_TEXT = (
    "桂花 枫林 望月 金桂 新桥 丝茅 龙湾 杨家 马栏 建湘 荷花 朝阳 育英 紫薇 锦绣 和平 兴业 景泰 映日 麓山 "
    "梅岭 桔园 杜鹃 清风 明珠 星城 德政 阳光 长岭 青竹 湘府 雅塘 沙湾 洪塘 伍家 红桥 月湖 柳溪 秀峰 石门 "
    "黄土 桐梓 汇金 银杉 碧湘 天华 书院 仰天 含浦 泉水 凤凰 合丰 万家 瑞丰 新华 古汉 栖凤 观音 彭家 高岭 "
    "东屯 杉木 涂家 曙光 向韶 荷叶 莲湖 龙华 鸿铭 白果 金鹰 燕山 解放 远大 东风 竹园 浏正 藩城 三角 恒达 "
    "双拥 南园 枫树 赤岗 金峰 香樟 学堂 桂井 樟树 芙美 广济 粮站 楚府 花侯 铁道 湖滨 西雅 斑马 博才 谷丰"
)
PLACE_WORDS = _PLACE_TEXT.split()
ENDINGS = ("", "", "", "坪", "塘", "湖", "园", "桥", "岭", "湾", "里", "苑", "新村")

SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜"
    "戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_GIVEN_TEXT = (
    "建华 丽 敏 静 伟 芳 娜 秀英 军 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 文 辉 玲 华 红 玉兰 志强 海燕 "
    "晓燕 春梅 国平 建国 卫东 小红 雅琴 立新 文斌 海波 湘 湘君 湘玲 楚 楚红 岳 志刚 慧 琳 婷 宇 浩 晨 欣怡 "
    "子涵 雨轩 俊杰 思远 德明 桂兰 淑珍 凤英 长青 红梅 美玲 建军 爱民 冬梅 秋菊"
)
GIVEN = _GIVEN_TEXT.split()

ACTIVITIES = {
    "培训": ["社区垃圾分类骨干培训班", "节能环保志愿者培训", "楼栋长节水节电培训", "物业节能管理培训"],
    "宣传": [
        "节能宣传周进社区",
        "低碳生活主题宣传",
        "世界环境日宣传活动",
        "垃圾分类入户宣传",
        "绿色出行倡议签名",
    ],
    "交流": ["绿色社区创建经验交流会", "两型社区观摩交流", "街道创建工作座谈会"],
    "其他": ["旧物交换跳蚤市场", "节水器具以旧换新", "社区植树护绿活动", "废旧电池回收日"],
}

# How each district's clerk types things (see render_value in generate.py for the style names).
STYLES: dict[str, dict] = {
    "芙蓉区": dict(
        title=True,
        notes=True,
        seq=True,
        self_total=True,
        sort_by_street=False,
        headers=["canonical"],
        pct=["pct_text"],
        yn=[("是", "否")],
        year=["int"],
        num=["int"],
        date=["datetime"],
        pad=False,
        activities=True,
    ),
    "天心区": dict(
        title=True,
        notes=False,
        seq=True,
        self_total=False,
        sort_by_street=True,
        headers=["no_id", "fw_brackets", "canonical"],
        pct=["number"],
        yn=[("有", "无"), ("是", "否")],
        year=["nian"],
        num=["text", "int"],
        date=["text_dash"],
        pad=False,
        activities=False,
    ),
    "岳麓区": dict(
        title=False,
        notes=False,
        seq=False,
        self_total=True,
        sort_by_street=False,
        headers=["id", "id_fw", "id_lower", "canonical"],
        pct=["fraction_fmt", "fraction"],
        yn=[(True, False)],
        year=["date"],
        num=["int"],
        date=["datetime", "text_cn"],
        pad=False,
        activities=True,
    ),
    "开福区": dict(
        title=True,
        notes=True,
        seq=True,
        self_total=False,
        sort_by_street=True,
        headers=["linebreak", "spaces", "canonical"],
        pct=["fullwidth", "pct_text"],
        yn=[("√", "×")],
        year=["fullwidth"],
        num=["fullwidth", "int"],
        date=["text_slash"],
        pad=True,
        activities=False,
    ),
    "雨花区": dict(
        title=True,
        notes=False,
        seq=False,
        self_total=True,
        sort_by_street=False,
        headers=["drop_unit", "add_unit", "canonical"],
        pct=["fraction_text", "number"],
        yn=[("Y", "N"), ("TRUE", "FALSE")],
        year=["nian", "int"],
        num=["thousands", "int"],
        date=["datetime"],
        pad=True,
        activities=False,
    ),
    "望城区": dict(
        title=True,
        notes=False,
        seq=True,
        self_total=False,
        sort_by_street=True,
        headers=["canonical", "no_id", "id"],
        pct=["pct_text", "number", "fraction"],
        yn=[(1, 0), ("是", "否")],
        year=["int", "date"],
        num=["int", "text"],
        date=["datetime"],
        pad=False,
        activities=True,
    ),
}


class Names:
    """Unique community names and personal names, drawn from one random stream."""

    def __init__(self, rng: random.Random, area: str = "0731") -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.fixed = {d: list(names) for d, names in FIXED_COMMUNITIES.items()}
        self.area = area  # the telephone area code of landlines

    def community(self, district: str) -> str:
        if self.fixed.get(district):
            name = self.fixed[district].pop(0)
            self.used.add(name)
            return name
        while True:
            name = self.rng.choice(PLACE_WORDS) + self.rng.choice(ENDINGS) + "社区"
            if name not in self.used:
                self.used.add(name)
                return name

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        if self.rng.random() < 0.3:
            return f"{self.area}-8{self.rng.randrange(10**6, 10**7)}"
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**8, 10**9)}"


# ---------------------------------------------------------------- the 绿色社区 year (generate_green.py)
# A Guangzhou-like city of the early 2000s: the eight districts of source 003, streets of those
# districts, and a few community names the source itself mentions (侨苑, 小东园, 华颖花园, 都府,
# 港海, 聚龙); which district each sits in is the sample's choice.
GREEN_STREETS = {
    "东山区": ["农林街道", "梅花村街道", "黄花岗街道", "大塘街道", "东湖街道", "建设街道", "华乐街道", "大东街道"],
    "越秀区": ["北京街道", "人民街道", "光塔街道", "六榕街道", "流花街道", "洪桥街道", "诗书街道", "广卫街道"],
    "荔湾区": ["沙面街道", "多宝街道", "逢源街道", "龙津街道", "金花街道", "彩虹街道", "华林街道", "昌华街道"],
    "海珠区": ["滨江街道", "素社街道", "海幢街道", "南华西街道", "龙凤街道", "沙园街道", "昌岗街道", "赤岗街道"],
    "天河区": ["五山街道", "石牌街道", "天河南街道", "林和街道", "沙河街道", "员村街道", "车陂街道", "猎德街道"],
    "黄埔区": ["黄埔街道", "红山街道", "鱼珠街道", "大沙街道", "文冲街道", "穗东街道", "南岗街道", "长洲街道"],
    "白云区": ["三元里街道", "松洲街道", "景泰街道", "同德街道", "黄石街道", "棠景街道", "新市街道", "同和街道"],
    "芳村区": ["白鹤洞街道", "冲口街道", "花地街道", "石围塘街道", "茶滘街道", "东漖街道", "中南街道"],
}
GREEN_FEATURED = {  # named in the year's narrative; each is a plain applicant that gets the title
    "东山区": ["侨苑社区"],
    "越秀区": ["都府社区", "小东园社区"],
    "海珠区": ["港海社区", "聚龙社区"],
    "天河区": ["华颖花园社区"],
}
_GREEN_PLACE_TEXT = """
东山区: 农林 梅花 黄花 大塘 东湖 建设 华乐 大东 执信 五羊 二沙 竹丝岗 寺右 龟岗 署前 东园 达道 共和
越秀区: 北京 光塔 六榕 流花 洪桥 诗书 广卫 盘福 越华 大新 仓边 豪贤 净慧 华宁 应元 登峰 解放
荔湾区: 沙面 多宝 逢源 龙津 金花 彩虹 华林 昌华 恩宁 宝华 光复 西关 上九 文昌 蓬莱 源胜
海珠区: 滨江 素社 海幢 南华 龙凤 沙园 昌岗 赤岗 晓港 宝岗 江南 南洲 瑞宝 凤阳 新港
天河区: 五山 石牌 林和 沙河 员村 车陂 猎德 冼村 天园 棠下 华景 骏景 龙口 东圃 岑村
黄埔区: 黄埔 红山 鱼珠 大沙 文冲 穗东 南岗 长洲 茅岗 双沙 丰乐 港湾
白云区: 三元里 松洲 景泰 同德 黄石 棠景 新市 同和 京溪 云山 麓湖 均禾 永泰
芳村区: 白鹤洞 冲口 花地 石围塘 茶滘 东漖 中南 山村 芳村 桥中 坑口 鹤洞
"""
# the places of each district a community may be named after
GREEN_PLACES = {d: words.split() for d, words in (line.split(": ") for line in _GREEN_PLACE_TEXT.strip().splitlines())}
GREEN_ENDINGS = ("", "", "", "", "北", "南", "东", "西", "新村", "花园", "里", "坊", "苑")
GREEN_AREA_CODE = "020"

# How each district's clerk types things: the six habits above, spread over eight districts, with
# the 申报类别 column (one title: nothing to choose) left out by half of them.
GREEN_STYLES: dict[str, dict] = {
    "东山区": dict(STYLES["芙蓉区"], target=True),
    "越秀区": dict(STYLES["开福区"], target=False, self_total=False),
    "荔湾区": dict(STYLES["岳麓区"], target=True),
    "海珠区": dict(STYLES["天心区"], target=False),
    "天河区": dict(STYLES["雨花区"], target=True),
    "黄埔区": dict(STYLES["望城区"], target=False),
    "白云区": dict(STYLES["天心区"], target=True, title=False, headers=["canonical"], sort_by_street=False),
    "芳村区": dict(STYLES["岳麓区"], target=False, title=True, notes=True, year=["int", "nian"]),
}
