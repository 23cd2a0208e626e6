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

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.fixed = {d: list(names) for d, names in FIXED_COMMUNITIES.items()}

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
            return f"0731-8{self.rng.randrange(10**6, 10**7)}"
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**8, 10**9)}"
